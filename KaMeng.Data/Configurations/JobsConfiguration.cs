using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class RestockAlertConfiguration : IEntityTypeConfiguration<RestockAlert>
{
    public void Configure(EntityTypeBuilder<RestockAlert> b)
    {
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.StationId, x.ProductId }).IsUnique();
    }
}

sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Title).HasMaxLength(200);
        b.Property(x => x.Body).HasMaxLength(4000);
        b.Property(x => x.Link).HasMaxLength(500);
        b.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(x => x.IsRead);
        b.HasIndex(x => new { x.UserId, x.ReadAt });
    }
}

sealed class NotificationPreferenceConfiguration : IEntityTypeConfiguration<NotificationPreference>
{
    public void Configure(EntityTypeBuilder<NotificationPreference> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.UserId, x.Event }).IsUnique();
    }
}

sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Url).HasMaxLength(500);
        b.Property(x => x.Secret).HasMaxLength(200);
        b.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.UserId).IsUnique();
    }
}

sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> b)
    {
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Target).HasMaxLength(500);
        b.Property(x => x.Title).HasMaxLength(200);
        b.Property(x => x.Payload).HasMaxLength(20000);
        b.Property(x => x.LastError).HasMaxLength(1000);
        b.HasIndex(x => new { x.Status, x.NextAttemptAt });
        b.HasIndex(x => x.CreatedAt);
    }
}

sealed class SmtpSettingsConfiguration : IEntityTypeConfiguration<SmtpSettings>
{
    public void Configure(EntityTypeBuilder<SmtpSettings> b)
    {
        b.Property(x => x.Host).HasMaxLength(200);
        b.Property(x => x.UserName).HasMaxLength(200);
        b.Property(x => x.Password).HasMaxLength(200);
        b.Property(x => x.From).HasMaxLength(200);
        b.Ignore(x => x.IsConfigured);
    }
}
