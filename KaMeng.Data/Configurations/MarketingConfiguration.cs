using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class CouponConfiguration : IEntityTypeConfiguration<Coupon>
{
    public void Configure(EntityTypeBuilder<Coupon> b)
    {
        b.Property(x => x.Name).HasMaxLength(Coupon.MaxName);
        b.Property(x => x.Code).HasMaxLength(32);
        b.Property(x => x.ScopeIds).HasMaxLength(2000);
        b.Property(x => x.MemberLevelIds).HasMaxLength(500);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        // A public code is unique in its station (one-time codes are checked against it at save).
        b.HasIndex(x => new { x.StationId, x.Code }).IsUnique();
        // Taken is written by conditional updates only; the form never races it.
        b.Property(x => x.Taken).IsConcurrencyToken(false);
    }
}

sealed class CouponCodeConfiguration : IEntityTypeConfiguration<CouponCode>
{
    public void Configure(EntityTypeBuilder<CouponCode> b)
    {
        b.Property(x => x.Code).HasMaxLength(32);
        b.Property(x => x.BatchNo).HasMaxLength(32);
        b.HasOne<Coupon>().WithMany().HasForeignKey(x => x.CouponId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.StationId, x.Code }).IsUnique();
        b.HasIndex(x => new { x.CouponId, x.BatchNo });
    }
}

sealed class CouponGrantConfiguration : IEntityTypeConfiguration<CouponGrant>
{
    public void Configure(EntityTypeBuilder<CouponGrant> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Source).HasMaxLength(32);
        b.HasOne<Coupon>().WithMany().HasForeignKey(x => x.CouponId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.UserId, x.StationId });
        b.HasIndex(x => x.CouponId);
    }
}

sealed class CouponRedemptionConfiguration : IEntityTypeConfiguration<CouponRedemption>
{
    public void Configure(EntityTypeBuilder<CouponRedemption> b)
    {
        b.Property(x => x.BuyerUserId).HasMaxLength(450);
        b.HasOne<Coupon>().WithMany().HasForeignKey(x => x.CouponId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        // One coupon per order.
        b.HasIndex(x => x.OrderId).IsUnique();
        b.HasIndex(x => new { x.CouponId, x.BuyerUserId });
    }
}

sealed class FlashSaleConfiguration : IEntityTypeConfiguration<FlashSale>
{
    public void Configure(EntityTypeBuilder<FlashSale> b)
    {
        b.Property(x => x.Title).HasMaxLength(32);
        b.Property(x => x.PauseReason).HasMaxLength(200);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.ProductId, x.EndsAt });
    }
}

sealed class WholesaleTierConfiguration : IEntityTypeConfiguration<WholesaleTier>
{
    public void Configure(EntityTypeBuilder<WholesaleTier> b)
    {
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.ProductId, x.MinQuantity }).IsUnique();
    }
}

sealed class ReferralProgramConfiguration : IEntityTypeConfiguration<ReferralProgram>
{
    public void Configure(EntityTypeBuilder<ReferralProgram> b)
    {
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.StationId).IsUnique();
        b.Ignore(x => x.Rates);
    }
}

sealed class ReferralCodeConfiguration : IEntityTypeConfiguration<ReferralCode>
{
    public void Configure(EntityTypeBuilder<ReferralCode> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Code).HasMaxLength(16);
        b.Property(x => x.DeviceId).HasMaxLength(64);
        b.HasIndex(x => new { x.StationId, x.Code }).IsUnique();
        b.HasIndex(x => new { x.StationId, x.UserId }).IsUnique();
    }
}

sealed class ReferralConfiguration : IEntityTypeConfiguration<Referral>
{
    public void Configure(EntityTypeBuilder<Referral> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.ReferrerUserId).HasMaxLength(450);
        b.Property(x => x.DeviceId).HasMaxLength(64);
        // Set once: a buyer has one inviter per station, ever.
        b.HasIndex(x => new { x.StationId, x.UserId }).IsUnique();
        b.HasIndex(x => new { x.StationId, x.ReferrerUserId });
    }
}
