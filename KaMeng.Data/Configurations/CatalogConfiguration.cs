using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class CategoryConfiguration : IEntityTypeConfiguration<Category>
{
    public void Configure(EntityTypeBuilder<Category> b)
    {
        b.Property(x => x.Name).HasMaxLength(64);
        b.Property(x => x.Icon).HasMaxLength(64);
        b.HasOne(x => x.Parent).WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.SortOrder });
    }
}

sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> b)
    {
        b.Property(x => x.Name).HasMaxLength(128);
        b.Property(x => x.DescriptionMarkdown).HasMaxLength(20000);
        b.Property(x => x.PurchaseNotice).HasMaxLength(Product.PurchaseNoticeMaxLength);
        b.Property(x => x.ImagePath).HasMaxLength(256);
        b.Property(x => x.Tags).HasMaxLength(128);
        b.HasOne(x => x.Category).WithMany().HasForeignKey(x => x.CategoryId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.OwnsMany(x => x.InputFields, f => f.ToJson());
        b.Ignore(x => x.TagList);
        b.HasIndex(x => new { x.StationId, x.CategoryId, x.SortOrder });
    }
}

sealed class CardKeyConfiguration : IEntityTypeConfiguration<CardKey>
{
    public void Configure(EntityTypeBuilder<CardKey> b)
    {
        b.Property(x => x.SecretCipher).HasMaxLength(4096);
        b.Property(x => x.SecretHash).HasMaxLength(64);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<CardKeyBatch>().WithMany().HasForeignKey(x => x.BatchId).OnDelete(DeleteBehavior.Restrict);
        // Duplicates are refused by the database too, not only by the import preview.
        b.HasIndex(x => new { x.ProductId, x.SecretHash }).IsUnique();
        // The claim walks available keys of one product in id order.
        b.HasIndex(x => new { x.ProductId, x.Status, x.Id });
        b.HasIndex(x => x.OrderId);
        b.HasIndex(x => x.BatchId);
    }
}

sealed class CardKeyBatchConfiguration : IEntityTypeConfiguration<CardKeyBatch>
{
    public void Configure(EntityTypeBuilder<CardKeyBatch> b)
    {
        b.Property(x => x.Number).HasMaxLength(32);
        b.HasIndex(x => x.Number).IsUnique();
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
    }
}
