using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.Property(x => x.Number).HasMaxLength(32);
        b.HasIndex(x => x.Number).IsUnique();
        b.Property(x => x.ProductName).HasMaxLength(128);
        b.Property(x => x.Contact).HasMaxLength(128);
        b.Property(x => x.QueryPasswordHash).HasMaxLength(256);
        b.Property(x => x.IdempotencyKey).HasMaxLength(64);
        // A double-submitted checkout form carries the same key: the second insert fails here.
        b.HasIndex(x => x.IdempotencyKey).IsUnique();
        b.Property(x => x.GatewayTradeNo).HasMaxLength(64);
        b.Property(x => x.DeliveryNote).HasMaxLength(4000);
        b.Property(x => x.InputsJson).HasMaxLength(4000);
        b.Property(x => x.PromotionJson).HasMaxLength(4000);
        b.Property(x => x.CommissionJson).HasMaxLength(2000);
        b.Property(x => x.ClientIp).HasMaxLength(45);
        b.Property(x => x.DeviceId).HasMaxLength(64);
        b.Property(x => x.Region).HasMaxLength(32);
        b.Property(x => x.RiskHitsJson).HasMaxLength(2000);
        // The risk rules count and sum a client's orders in a window on every checkout: each window index carries Status and
        // Total so the count or sum reads the index alone, never a row per order (a busy buyer's history made a row lookup per
        // past order the p99 of checkout; docs/performance.md, issue 21). The review queue and its timeout read held orders.
        b.HasIndex(x => new { x.ClientIp, x.CreatedAt, x.Status, x.Total });
        b.HasIndex(x => new { x.DeviceId, x.CreatedAt, x.Status, x.Total });
        b.HasIndex(x => new { x.Contact, x.CreatedAt, x.Status, x.Total });
        b.HasIndex(x => new { x.DeviceId, x.BuyerUserId, x.Status });
        b.HasIndex(x => new { x.BuyerUserId, x.Region, x.Status });
        b.HasIndex(x => new { x.BuyerUserId, x.Status, x.ClosedAt });
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<CardKey>().WithMany().HasForeignKey(x => x.ReusableKeyId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.CreatedAt });
        b.HasIndex(x => new { x.ProductId, x.BuyerUserId });
        b.HasIndex(x => new { x.BuyerUserId, x.CreatedAt, x.Status, x.Total });
        b.HasIndex(x => new { x.Status, x.ExpiresAt });
        // The finance export reads orders in (CreatedAt, Id) order: with this index it streams instead of sorting.
        b.HasIndex(x => new { x.CreatedAt, x.Id });
        // Concurrency token: two staff completing the same order cannot both win.
        b.Property(x => x.Status).IsConcurrencyToken();
    }
}

sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> b)
    {
        // The refund's id at the gateway (out_refund_no): unique, so a retry is the same refund.
        b.Property(x => x.Number).HasMaxLength(40);
        b.HasIndex(x => x.Number).IsUnique();
        b.Property(x => x.Reason).HasMaxLength(200);
        b.Property(x => x.GatewayReference).HasMaxLength(64);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.Property(x => x.Note).HasMaxLength(200);
        b.Property(x => x.RequestedByUserId).HasMaxLength(450);
        b.Property(x => x.RequestedByName).HasMaxLength(256);
        b.Property(x => x.DecidedByUserId).HasMaxLength(450);
        b.Property(x => x.DecidedByName).HasMaxLength(256);
        b.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.OrderId);
        // The retry job and the finance page read refunds by status.
        b.HasIndex(x => new { x.Status, x.Method, x.Id });
        // Two staff deciding the same request (or completing the same task) cannot both win.
        b.Property(x => x.Status).IsConcurrencyToken();
    }
}

sealed class WalletConfiguration : IEntityTypeConfiguration<Wallet>
{
    public void Configure(EntityTypeBuilder<Wallet> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasIndex(x => x.UserId).IsUnique();
        b.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> b)
    {
        b.Property(x => x.Reason).HasMaxLength(500);
        b.Property(x => x.OperatorUserId).HasMaxLength(450);
        b.HasOne<Wallet>().WithMany().HasForeignKey(x => x.WalletId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.WalletId, x.Id });
        b.HasIndex(x => x.OrderId);
        // 待结算 of a wallet: its earnings entries whose hold has not ended.
        b.HasIndex(x => new { x.WalletId, x.AvailableAt });
    }
}

sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.Property(x => x.Action).HasMaxLength(64);
        b.Property(x => x.UserName).HasMaxLength(256);
        b.Property(x => x.Target).HasMaxLength(256);
        b.Property(x => x.Detail).HasMaxLength(2000);
        b.HasIndex(x => new { x.StationId, x.CreatedAt });
    }
}
