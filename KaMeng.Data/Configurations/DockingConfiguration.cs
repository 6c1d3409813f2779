using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class SupplierConfiguration : IEntityTypeConfiguration<Supplier>
{
    public void Configure(EntityTypeBuilder<Supplier> b)
    {
        b.Property(x => x.Name).HasMaxLength(64);
        b.Property(x => x.BaseUrl).HasMaxLength(256);
        b.Property(x => x.KeyId).HasMaxLength(64);
        b.Property(x => x.SecretCipher).HasMaxLength(1024);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.StationId);
    }
}

sealed class SupplierProductConfiguration : IEntityTypeConfiguration<SupplierProduct>
{
    public void Configure(EntityTypeBuilder<SupplierProduct> b)
    {
        b.Property(x => x.UpstreamName).HasMaxLength(256);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Supplier>().WithMany().HasForeignKey(x => x.SupplierId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Supplier>().WithMany().HasForeignKey(x => x.BackupSupplierId).OnDelete(DeleteBehavior.Restrict);
        // One supply link per local product: checkout finds it by product.
        b.HasIndex(x => x.ProductId).IsUnique();
        b.HasIndex(x => x.SupplierId);
        b.HasIndex(x => x.BackupSupplierId);
    }
}

sealed class ProcurementConfiguration : IEntityTypeConfiguration<Procurement>
{
    public void Configure(EntityTypeBuilder<Procurement> b)
    {
        b.Property(x => x.ClientOrderNo).HasMaxLength(48);
        b.Property(x => x.UpstreamOrderNo).HasMaxLength(64);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<SupplierProduct>().WithMany().HasForeignKey(x => x.SupplierProductId).OnDelete(DeleteBehavior.Restrict);
        // One procurement per order: a second enqueue of the same order fails.
        b.HasIndex(x => x.OrderId).IsUnique();
        // The queue: due work in order.
        b.HasIndex(x => new { x.Status, x.NextAttemptAt });
    }
}
