using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class StorePageConfiguration : IEntityTypeConfiguration<StorePage>
{
    public void Configure(EntityTypeBuilder<StorePage> b)
    {
        b.Property(x => x.Slug).HasMaxLength(40);
        b.Property(x => x.Title).HasMaxLength(40);
        b.Property(x => x.DraftSavedBy).HasMaxLength(256);
        b.HasIndex(x => new { x.StationId, x.Slug }).IsUnique();
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(x => x.Versions).WithOne().HasForeignKey(v => v.PageId).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(x => x.IsHome);
        b.Ignore(x => x.HasUnpublishedChanges);
    }
}

sealed class StorePageVersionConfiguration : IEntityTypeConfiguration<StorePageVersion>
{
    public void Configure(EntityTypeBuilder<StorePageVersion> b)
    {
        b.Property(x => x.PublishedBy).HasMaxLength(256);
        b.HasIndex(x => new { x.PageId, x.Number }).IsUnique();
        b.HasIndex(x => x.StationId);
    }
}
