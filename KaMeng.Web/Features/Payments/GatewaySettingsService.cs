using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Shared;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Payments;

/// <summary>Merchant keys of the gateways, encrypted at rest with Data Protection.</summary>
public sealed class GatewayKeys(IDataProtectionProvider provider) : SecretProtector(provider, "KaMeng.Payments.EPayKey.v1");

public sealed class GatewayForm
{
    public string? BaseUrl { get; set; }
    public string? Pid { get; set; }
    /// <summary>Blank keeps the stored key.</summary>
    public string? Key { get; set; }
    public IEnumerable<string> Channels { get; set; } = ["alipay"];
    public string? FeeNote { get; set; }
    public bool Enabled { get; set; } = true;
}

/// <summary>The EPay settings of the platform (main station) and of substations that bring their own merchant account.</summary>
public sealed class GatewaySettingsService(IDbContextFactory<KaMengDbContext> dbFactory, GatewayKeys keys, OutboundGuard guard, TimeProvider clock)
{
    public async Task<PaymentGateway?> GetAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.PaymentGateways.AsNoTracking().SingleOrDefaultAsync(g => g.StationId == stationId, ct);
    }

    /// <summary>Saves the station's gateway. Returns a Chinese error, or null when saved.</summary>
    public async Task<string?> SaveAsync(AuditActor actor, int stationId, GatewayForm form, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "无权修改该站点的支付设置";
        var (url, urlError) = PaymentGateway.NormalizeBaseUrl(form.BaseUrl);
        if (urlError is not null) return urlError;
        var pid = form.Pid?.Trim();
        if (string.IsNullOrEmpty(pid) || pid.Length > 64 || !pid.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return "商户号（pid）只能包含字母、数字、下划线和连字符";
        var key = form.Key?.Trim();
        if (!string.IsNullOrEmpty(key) && (key.Length < 8 || key.Length > 128)) return "商户密钥长度应为 8–128 位";
        var channels = form.Channels.Where(EPayChannels.IsKnown).Distinct().ToList();
        if (channels.Count == 0) return "请至少启用一种支付方式";
        if (form.FeeNote?.Length > 200) return "手续费说明不能超过 200 字";
        if (guard.CheckGatewayScheme(new Uri(url!)) is { } plainHttp) return plainHttp;
        if (await guard.CheckUrlAsync(new Uri(url!), ct) is { } refused) return refused;

        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        if (!await db.Stations.AnyAsync(s => s.Id == stationId, ct)) return "站点不存在";
        if (stationId != Station.MainStationId && !await OwnGatewayAllowedAsync(db, stationId, ct)) return "当前分站等级不支持独立收款，买家将通过平台收款";
        var gateway = await db.PaymentGateways.SingleOrDefaultAsync(g => g.StationId == stationId, ct);
        if (gateway is null)
        {
            if (string.IsNullOrEmpty(key)) return "请填写商户密钥";
            gateway = new PaymentGateway { StationId = stationId, BaseUrl = url!, Pid = pid, KeyCipher = keys.Protect(key) };
            db.PaymentGateways.Add(gateway);
        }
        gateway.BaseUrl = url!;
        gateway.Pid = pid;
        if (!string.IsNullOrEmpty(key)) gateway.KeyCipher = keys.Protect(key);
        gateway.Channels = string.Join(",", channels);
        gateway.FeeNote = string.IsNullOrWhiteSpace(form.FeeNote) ? null : form.FeeNote.Trim();
        gateway.Enabled = form.Enabled;
        gateway.UpdatedAt = now;
        db.AuditEntries.Add(actor.Entry("payment.gateway.save", url, $"pid={pid} channels={gateway.Channels} enabled={form.Enabled} key={(string.IsNullOrEmpty(key) ? "unchanged" : "changed")}", now, stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>How refunds of signed-in buyers' gateway-paid orders at this station go back by default.</summary>
    public async Task<RefundMethod> RefundMethodAsync(AuditActor actor, int stationId, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Stations.Where(s => s.Id == stationId).Select(s => s.GatewayRefundMethod).SingleOrDefaultAsync(ct);
    }

    /// <summary>Sets <see cref="Station.GatewayRefundMethod"/>: 退回余额 or 原路退回. Returns a Chinese error, or null when saved.</summary>
    public async Task<string?> SaveRefundMethodAsync(AuditActor actor, int stationId, RefundMethod method, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "无权修改该站点的支付设置";
        if (method is not (RefundMethod.Balance or RefundMethod.Gateway)) return "退款方式只能是退回余额或原路退回";
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var station = await db.Stations.SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return "站点不存在";
        station.GatewayRefundMethod = method;
        db.AuditEntries.Add(actor.Entry("payment.refund-method", station.Code, DisplayNames.Of(method), clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>The gateway a station's buyers pay for orders through: its own enabled one when its level allows 独立收款, else the
    /// platform's (unscoped on purpose).</summary>
    public async Task<PaymentGateway?> ForStationAsync(int stationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.PaymentGateways.AsNoTracking()
            .Where(g => g.Enabled && (g.StationId == stationId || g.StationId == Station.MainStationId)).ToListAsync(ct);
        var own = candidates.FirstOrDefault(g => g.StationId == stationId && stationId != Station.MainStationId);
        if (own is not null && await OwnGatewayAllowedAsync(db, stationId, ct)) return own;
        return candidates.FirstOrDefault(g => g.StationId == Station.MainStationId);
    }

    /// <summary>The platform's own enabled gateway: the only one balance recharges go through (decision 0019).</summary>
    public async Task<PaymentGateway?> PlatformAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PaymentGateways.AsNoTracking().SingleOrDefaultAsync(g => g.Enabled && g.StationId == Station.MainStationId, ct);
    }

    /// <summary>Whether the station's level lets it collect through its own merchant account (the platform's choice per level).</summary>
    public static Task<bool> OwnGatewayAllowedAsync(KaMengDbContext db, int stationId, CancellationToken ct) =>
        (from s in db.Stations.IgnoreQueryFilters()
         join l in db.StationLevels on s.LevelId equals l.Id
         where s.Id == stationId
         select l.AllowOwnGateway).AnyAsync(allowed => allowed, ct);
}
