using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class StationConfiguration : IEntityTypeConfiguration<Station>
{
    public void Configure(EntityTypeBuilder<Station> b)
    {
        b.Property(x => x.Code).HasMaxLength(32);
        b.HasIndex(x => x.Code).IsUnique();
        b.Property(x => x.Name).HasMaxLength(64);
        b.Property(x => x.Theme).HasMaxLength(32);
        b.Property(x => x.ThemeTokensJson).HasMaxLength(4000);
        b.Property(x => x.Announcement).HasMaxLength(2000);
        b.Property(x => x.SuspensionReason).HasMaxLength(200);
        b.Property(x => x.ContactQq).HasMaxLength(32);
        b.Property(x => x.ContactWeChat).HasMaxLength(64);
        b.Property(x => x.ContactEmail).HasMaxLength(128);
        b.HasOne(x => x.Parent).WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Hosts).WithOne().HasForeignKey(h => h.StationId);
        b.Ignore(x => x.IsMain);
        b.Property(x => x.ContactTelegram).HasMaxLength(64);
        b.Property(x => x.LogoUrl).HasMaxLength(256);
        b.Property(x => x.FaviconUrl).HasMaxLength(256);
        b.Property(x => x.SeoTitle).HasMaxLength(128);
        b.Property(x => x.SeoDescription).HasMaxLength(512);
        b.Property(x => x.FooterText).HasMaxLength(512);
        b.HasOne(x => x.Level).WithMany().HasForeignKey(x => x.LevelId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.OwnerUserId);
    }
}

sealed class StationHostConfiguration : IEntityTypeConfiguration<StationHost>
{
    public void Configure(EntityTypeBuilder<StationHost> b)
    {
        b.Property(x => x.Host).HasMaxLength(253);
        b.HasIndex(x => x.Host).IsUnique();
    }
}
