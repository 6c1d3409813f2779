using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class BlacklistEntryConfiguration : IEntityTypeConfiguration<BlacklistEntry>
{
    public void Configure(EntityTypeBuilder<BlacklistEntry> b)
    {
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Value).HasMaxLength(BlacklistRules.MaxValueLength);
        b.Property(x => x.Reason).HasMaxLength(BlacklistRules.MaxReasonLength);
        b.Property(x => x.CreatedByUserId).HasMaxLength(450);
        b.Property(x => x.CreatedByName).HasMaxLength(256);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.StationId, x.Kind, x.Value });
    }
}

sealed class RiskSignalConfiguration : IEntityTypeConfiguration<RiskSignal>
{
    public void Configure(EntityTypeBuilder<RiskSignal> b)
    {
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        // No foreign keys: a signal outlives nothing and must never stop a user or an order from being deleted.
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Ip).HasMaxLength(45);
        b.Property(x => x.DeviceId).HasMaxLength(64);
        b.Property(x => x.UserAgentHash).HasMaxLength(64);
        b.Property(x => x.Region).HasMaxLength(64);
        // The purge deletes by age; the risk rules look up a user's or a device's recent signals.
        b.HasIndex(x => x.At);
        b.HasIndex(x => new { x.UserId, x.At });
        b.HasIndex(x => new { x.DeviceId, x.At });
    }
}

sealed class AppUserRiskConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> b) => b.Property(x => x.DisabledReason).HasMaxLength(200);
}
