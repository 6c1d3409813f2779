using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class StationLevelConfiguration : IEntityTypeConfiguration<StationLevel>
{
    public void Configure(EntityTypeBuilder<StationLevel> b) => b.Property(x => x.Name).HasMaxLength(32);
}

sealed class LevelPriceConfiguration : IEntityTypeConfiguration<LevelPrice>
{
    public void Configure(EntityTypeBuilder<LevelPrice> b)
    {
        b.HasIndex(x => new { x.LevelId, x.ProductId }).IsUnique();
        b.HasOne<StationLevel>().WithMany().HasForeignKey(x => x.LevelId);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class PriceRuleConfiguration : IEntityTypeConfiguration<PriceRule>
{
    public void Configure(EntityTypeBuilder<PriceRule> b)
    {
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.Audience, x.Scope, x.CategoryId, x.ProductId }).IsUnique();
    }
}

sealed class StationProductConfiguration : IEntityTypeConfiguration<StationProduct>
{
    public void Configure(EntityTypeBuilder<StationProduct> b)
    {
        b.Property(x => x.Name).HasMaxLength(128);
        b.Property(x => x.DescriptionMarkdown).HasMaxLength(20000);
        b.HasIndex(x => new { x.StationId, x.ProductId }).IsUnique();
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class MemberLevelConfiguration : IEntityTypeConfiguration<MemberLevel>
{
    public void Configure(EntityTypeBuilder<MemberLevel> b)
    {
        b.Property(x => x.Name).HasMaxLength(32);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.StationId);
    }
}

sealed class WithdrawalConfiguration : IEntityTypeConfiguration<Withdrawal>
{
    public void Configure(EntityTypeBuilder<Withdrawal> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.PayoutAccount).HasMaxLength(200);
        b.Property(x => x.PayoutReference).HasMaxLength(100);
        b.Property(x => x.RejectReason).HasMaxLength(200);
        b.Property(x => x.DecidedByUserId).HasMaxLength(450);
        b.Property(x => x.Status).IsConcurrencyToken();
        b.HasIndex(x => new { x.Status, x.CreatedAt });
        b.HasIndex(x => new { x.UserId, x.CreatedAt });
    }
}

sealed class PlatformSettingsConfiguration : IEntityTypeConfiguration<PlatformSettings>
{
    public void Configure(EntityTypeBuilder<PlatformSettings> b)
    {
        b.Property(x => x.Id).ValueGeneratedNever();
        b.Property(x => x.RootDomains).HasMaxLength(512);
        b.Ignore(x => x.RootDomainList);
    }
}
