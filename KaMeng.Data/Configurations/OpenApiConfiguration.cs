using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class ApiCredentialConfiguration : IEntityTypeConfiguration<ApiCredential>
{
    public void Configure(EntityTypeBuilder<ApiCredential> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.KeyId).HasMaxLength(32);
        b.HasIndex(x => x.KeyId).IsUnique();
        b.Property(x => x.SecretCipher).HasMaxLength(1024);
        b.Property(x => x.Note).HasMaxLength(200);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.UserId });
    }
}

sealed class ApiNonceConfiguration : IEntityTypeConfiguration<ApiNonce>
{
    public void Configure(EntityTypeBuilder<ApiNonce> b)
    {
        b.Property(x => x.Nonce).HasMaxLength(64);
        // The replay guard: the same nonce from the same credential cannot be inserted twice.
        b.HasIndex(x => new { x.CredentialId, x.Nonce }).IsUnique();
        b.HasIndex(x => x.CreatedAt);
    }
}
