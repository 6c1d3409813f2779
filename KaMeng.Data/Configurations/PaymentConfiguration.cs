using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class PaymentGatewayConfiguration : IEntityTypeConfiguration<PaymentGateway>
{
    public void Configure(EntityTypeBuilder<PaymentGateway> b)
    {
        b.Property(x => x.BaseUrl).HasMaxLength(256);
        b.Property(x => x.Pid).HasMaxLength(64);
        b.Property(x => x.KeyCipher).HasMaxLength(1024);
        b.Property(x => x.Channels).HasMaxLength(64);
        b.Property(x => x.FeeNote).HasMaxLength(200);
        b.Ignore(x => x.ChannelList);
        // One gateway per station (the main station's is the platform's).
        b.HasIndex(x => x.StationId).IsUnique();
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class GatewayPaymentConfiguration : IEntityTypeConfiguration<GatewayPayment>
{
    public void Configure(EntityTypeBuilder<GatewayPayment> b)
    {
        b.Property(x => x.OutTradeNo).HasMaxLength(32);
        b.HasIndex(x => x.OutTradeNo).IsUnique();
        b.Property(x => x.Channel).HasMaxLength(16);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.TradeNo).HasMaxLength(64);
        b.Property(x => x.StoreUrl).HasMaxLength(300);
        b.HasOne<PaymentGateway>().WithMany().HasForeignKey(x => x.GatewayId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.OrderId);
        b.HasIndex(x => new { x.Status, x.CreatedAt });
        // Two notifies racing on PostgreSQL both lock the row first; this is the second line of defence.
        b.Property(x => x.Status).IsConcurrencyToken();
    }
}

sealed class PaymentIssueConfiguration : IEntityTypeConfiguration<PaymentIssue>
{
    public void Configure(EntityTypeBuilder<PaymentIssue> b)
    {
        b.Property(x => x.OutTradeNo).HasMaxLength(32);
        b.Property(x => x.TradeNo).HasMaxLength(64);
        b.Property(x => x.Detail).HasMaxLength(1000);
        b.Property(x => x.ResolvedBy).HasMaxLength(256);
        b.HasIndex(x => new { x.StationId, x.CreatedAt });
        b.HasIndex(x => new { x.OutTradeNo, x.Kind });
    }
}
