using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Platform;

/// <summary>The platform-wide settings as the form edits them (amounts and percentages as text, parsed by the service).</summary>
public sealed record PlatformSettingsForm(int MaxDepth, string WithdrawalMinimum, string WithdrawalFeePercent, string RootDomains, int EarningHoldDays);

/// <summary>A substation level as the levels table edits it.</summary>
public sealed class LevelRow
{
    public int? Id { get; set; }
    public string? Name { get; set; }
    public string? OpenPrice { get; set; }
    public string? Rate { get; set; }
    public bool MayOpenChildren { get; set; }
    public int MaxChildren { get; set; }
    public int? RenewalDays { get; set; }
    public bool AllowOwnGateway { get; set; }
    public int? EarningHoldDays { get; set; }
    /// <summary>信任等级: imports go on sale without 商品审核 unless a prohibited term hits.</summary>
    public bool SkipProductReview { get; set; }
}

/// <summary>A main-station product a level price can be set for.</summary>
public sealed record ProductChoice(int Id, string Name);

public sealed record PlatformSettingsView(PlatformSettingsForm Settings, List<LevelRow> Levels, IReadOnlyList<ProductChoice> Products);

public sealed class PlatformSettingsQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Everything 平台设置 shows. Platform-wide: only platform admins open the page.</summary>
    public async Task<PlatformSettingsView> LoadAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var s = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        var settings = new PlatformSettingsForm(s.MaxDepth, s.WithdrawalMinimum.ToDecimalString(), Percent.Format(s.WithdrawalFeeBasisPoints), s.RootDomains ?? "", s.EarningHoldDays);
        var levels = (await db.StationLevels.AsNoTracking().OrderBy(l => l.SortOrder).ToListAsync(ct)).Select(l => new LevelRow
        {
            Id = l.Id, Name = l.Name, OpenPrice = l.OpenPrice.ToDecimalString(), Rate = Percent.Format(l.CostRateBasisPoints),
            MayOpenChildren = l.MayOpenChildren, MaxChildren = l.MaxChildren, RenewalDays = l.RenewalDays, AllowOwnGateway = l.AllowOwnGateway,
            EarningHoldDays = l.EarningHoldDays, SkipProductReview = l.SkipProductReview,
        }).ToList();
        var products = await db.Products.AsNoTracking().Where(p => !p.Deleted && p.StationId == Station.MainStationId)
            .OrderBy(p => p.Name).Select(p => new ProductChoice(p.Id, p.Name)).ToListAsync(ct);
        return new PlatformSettingsView(settings, levels, products);
    }
}
