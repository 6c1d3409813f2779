using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class MarketingSettingsConfiguration : IEntityTypeConfiguration<MarketingSettings>
{
    public void Configure(EntityTypeBuilder<MarketingSettings> b)
    {
        b.HasKey(x => x.StationId);
        b.Property(x => x.StationId).ValueGeneratedNever();
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(x => x.Thresholds);
    }
}

sealed class BuyerTagConfiguration : IEntityTypeConfiguration<BuyerTag>
{
    public void Configure(EntityTypeBuilder<BuyerTag> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Text).HasMaxLength(BuyerTag.MaxText);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.StationId, x.UserId, x.Text }).IsUnique();
        // Audience by tag.
        b.HasIndex(x => new { x.StationId, x.Text });
    }
}

sealed class InboxMessageConfiguration : IEntityTypeConfiguration<InboxMessage>
{
    public void Configure(EntityTypeBuilder<InboxMessage> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Title).HasMaxLength(InboxMessage.MaxTitle);
        b.Property(x => x.Body).HasMaxLength(InboxMessage.MaxBody);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.StationId, x.UserId, x.CreatedAt });
        // One marketing message per buyer per station per Beijing day, held by the database (null for other messages).
        b.HasIndex(x => new { x.StationId, x.UserId, x.MarketingDay }).IsUnique();
    }
}

sealed class MarketingConsentConfiguration : IEntityTypeConfiguration<MarketingConsent>
{
    public void Configure(EntityTypeBuilder<MarketingConsent> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.UnsubscribeToken).HasMaxLength(64);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.StationId, x.UserId }).IsUnique();
        b.HasIndex(x => x.UnsubscribeToken).IsUnique();
    }
}

sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> b)
    {
        b.Property(x => x.Name).HasMaxLength(Campaign.MaxName);
        b.Property(x => x.Tag).HasMaxLength(BuyerTag.MaxText);
        b.Property(x => x.Title).HasMaxLength(InboxMessage.MaxTitle);
        b.Property(x => x.Body).HasMaxLength(InboxMessage.MaxBody);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Coupon>().WithMany().HasForeignKey(x => x.CouponId).OnDelete(DeleteBehavior.Restrict);
        // The sender's query: due campaigns.
        b.HasIndex(x => new { x.Status, x.ScheduledAt });
        b.HasIndex(x => new { x.StationId, x.CreatedAt });
    }
}

sealed class CampaignDeliveryConfiguration : IEntityTypeConfiguration<CampaignDelivery>
{
    public void Configure(EntityTypeBuilder<CampaignDelivery> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<Campaign>().WithMany().HasForeignKey(x => x.CampaignId).OnDelete(DeleteBehavior.Cascade);
        // A sender that stopped half-way and runs again never sends twice.
        b.HasIndex(x => new { x.CampaignId, x.UserId, x.Channel }).IsUnique();
        b.HasIndex(x => x.InboxMessageId);
    }
}

sealed class TriggerFiredConfiguration : IEntityTypeConfiguration<TriggerFired>
{
    public void Configure(EntityTypeBuilder<TriggerFired> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        // Once per buyer, ever.
        b.HasIndex(x => new { x.StationId, x.UserId, x.Kind }).IsUnique();
    }
}
