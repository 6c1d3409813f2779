using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

// Dashboard rollups (issue 6). StationId 0 is the platform's bucket, so these tables carry no foreign key to Stations.

sealed class StationHourStatConfiguration : IEntityTypeConfiguration<StationHourStat>
{
    public void Configure(EntityTypeBuilder<StationHourStat> b) => b.HasKey(x => new { x.StationId, x.Hour });
}

sealed class StationDayStatConfiguration : IEntityTypeConfiguration<StationDayStat>
{
    public void Configure(EntityTypeBuilder<StationDayStat> b)
    {
        b.HasKey(x => new { x.StationId, x.Day });
        // The leaderboard reads one range of days across stations; with its sums in the index it reads no row (a year of
        // 200 stations is 146,000 entries).
        b.HasIndex(x => new { x.Day, x.StationId, x.GmvFen, x.ProfitFen, x.Paid });
    }
}

sealed class ProductDayStatConfiguration : IEntityTypeConfiguration<ProductDayStat>
{
    public void Configure(EntityTypeBuilder<ProductDayStat> b) => b.HasKey(x => new { x.StationId, x.Day, x.ProductId });
}

sealed class BuyerStatConfiguration : IEntityTypeConfiguration<BuyerStat>
{
    public void Configure(EntityTypeBuilder<BuyerStat> b)
    {
        b.HasKey(x => new { x.StationId, x.BuyerUserId });
        b.Property(x => x.BuyerUserId).HasMaxLength(450);
        // Covers new buyers and the repurchase counts of a range (the flag is in the index, so no row is read).
        b.HasIndex(x => new { x.StationId, x.FirstPaidAt, x.RepurchasedInWindow });
        b.HasIndex(x => new { x.StationId, x.LastPaidAt });
        // Segments: the counts read only this index, and a segment's buyer list walks it by spend and stops at its page.
        b.HasIndex(x => new { x.StationId, x.SpendFen, x.LastPaidAt, x.FirstPaidAt, x.PaidOrders });
    }
}

sealed class BuyerDayStatConfiguration : IEntityTypeConfiguration<BuyerDayStat>
{
    public void Configure(EntityTypeBuilder<BuyerDayStat> b)
    {
        b.HasKey(x => new { x.StationId, x.Day, x.BuyerUserId });
        b.Property(x => x.BuyerUserId).HasMaxLength(450);
    }
}

sealed class OrderRollupStateConfiguration : IEntityTypeConfiguration<OrderRollupState>
{
    public void Configure(EntityTypeBuilder<OrderRollupState> b)
    {
        b.HasKey(x => x.OrderId);
        b.Property(x => x.OrderId).ValueGeneratedNever();
        // Two appliers of the same order (the event and the catch-up sweep, or two servers): only one wins.
        b.Property(x => x.Status).IsConcurrencyToken();
    }
}
