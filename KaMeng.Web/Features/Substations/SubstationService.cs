using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Substations;

/// <param name="Signals">The buyer's client (issue 21 §4: a blacklisted one is refused); none from jobs and tests.</param>
public sealed record OpenSubstationRequest(string? Code, string? Name, int LevelId, KaMeng.Web.Features.Risk.ClientSignals? Signals = null);

/// <summary>Opening, upgrading, suspending and closing substations. Money moves through the ledger in the same transaction.</summary>
public sealed class SubstationService(
    IDbContextFactory<KaMengDbContext> dbFactory,
    UserManager<AppUser> users,
    StationDirectory directory,
    PriceResolver prices,
    TimeProvider clock,
    IHttpClientFactory http,
    KaMeng.Web.Features.Notifications.Notifier? notifier = null,
    KaMeng.Web.Features.Risk.Blacklists.BlacklistGate? gate = null)
{
    /// <summary>What opening a substation of a level costs under a parent: the platform's price plus the parent's markup.</summary>
    public static Money OpenPrice(StationLevel level, Station parent) => parent.IsMain ? level.OpenPrice : level.OpenPrice + parent.ChildOpenMarkup;

    /// <summary>A buyer opens a substation under the station they are on, paying from their balance. Returns (code, error).</summary>
    public Task<(int? StationId, string? Error)> OpenAsync(int parentStationId, string buyerUserId, OpenSubstationRequest request, CancellationToken ct = default) =>
        OpenCoreAsync(parentStationId, buyerUserId, request, charge: true, ct);

    async Task<(int? StationId, string? Error)> OpenCoreAsync(int parentStationId, string buyerUserId, OpenSubstationRequest request, bool charge, CancellationToken ct)
    {
        var code = request.Code?.Trim().ToLowerInvariant();
        if (!Station.IsValidCode(code)) return (null, "站点编号须为 2–32 位小写字母、数字或连字符，且不能是保留字（如 admin、api、www）");
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 64) return (null, "请填写站点名称（最多 64 字）");

        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parent = await db.Stations.AsNoTracking().SingleOrDefaultAsync(s => s.Id == parentStationId, ct);
        var level = await db.StationLevels.AsNoTracking().SingleOrDefaultAsync(l => l.Id == request.LevelId, ct);
        if (parent is null || level is null) return (null, "请选择分站等级");
        var refusal = await CanOpenUnderAsync(db, parent, ct);
        if (refusal is not null) return (null, refusal);
        // A blacklisted buyer (platform list or the parent's) is told only the neutral message. Not when the platform opens one.
        if (charge && gate is not null
            && await gate.CheckAsync(db, parent.Id, buyerUserId, null, null, request.Signals ?? KaMeng.Web.Features.Risk.ClientSignals.None, ct))
            return (null, KaMeng.Web.Features.Risk.Blacklists.BlacklistGate.Message);
        if (await db.Stations.AnyAsync(s => s.OwnerUserId == buyerUserId && s.Status != StationStatus.Closed, ct)) return (null, "每个账号只能开通一个分站");
        if (await db.Stations.AnyAsync(s => s.Code == code, ct)) return (null, $"站点编号 {code} 已被使用");

        var price = charge ? OpenPrice(level, parent) : Money.Zero;
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var station = new Station
        {
            Code = code!, Name = name, ParentId = parent.Id, OwnerUserId = buyerUserId, LevelId = level.Id, CreatedAt = now,
            ExpiresAt = level.RenewalDays is int days ? now.AddDays(days) : null,
        };
        db.Stations.Add(station);
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (e.IsUniqueViolation()) { return (null, $"站点编号 {code} 已被使用"); }

        if (price.Fen > 0)
        {
            var paid = await db.PostToUserAsync(buyerUserId, LedgerEntryType.Purchase, -price, now, stationId: parent.Id, reason: $"开通分站 {code}（{level.Name}）", ct: ct);
            if (paid is null)
            {
                await tx.RollbackAsync(ct);
                return (null, $"余额不足：开通{level.Name}分站需要 {price}");
            }
            // A parent substation selling children earns its markup; the platform's price is its revenue (decision 0004).
            if (!parent.IsMain && parent.OwnerUserId is not null && parent.ChildOpenMarkup.Fen > 0)
                await CreditAsync(db, parent.OwnerUserId, parent.ChildOpenMarkup, now, parent.Id, $"下级分站 {code} 开通收益", ct);
        }
        var userName = await db.Users.Where(u => u.Id == buyerUserId).Select(u => u.UserName).SingleAsync(ct);
        db.AuditEntries.Add(new AuditEntry { Action = "station.open", StationId = station.Id, UserId = buyerUserId, UserName = userName, Target = code, Detail = $"{level.Name} {price}", CreatedAt = now });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        // Identity's own context does the role change, with its own instance of the user.
        var user = await users.FindByIdAsync(buyerUserId);
        if (user is not null && !await users.IsInRoleAsync(user, Roles.StationOwner)) await users.AddToRoleAsync(user, Roles.StationOwner);
        directory.Invalidate();
        prices.Invalidate();
        // After the commit, queued: the parent's owner (the platform admins under the main station) is told.
        notifier?.Publish(new KaMeng.Web.Features.Notifications.NotificationRequest(NotificationEvent.SubstationOpened, $"新开下级分站：{name}（{code}）",
            $"{userName} 在您的站点下开通了{level.Name}分站 {name}（{code}）。", "/admin/children", StationId: parent.Id,
            Data: new { stationId = station.Id, code, level = level.Name }));
        return (station.Id, null);
    }

    /// <summary>The platform creates a substation for a user, without charge.</summary>
    public async Task<(int? StationId, string? Error)> CreateForUserAsync(string? userName, OpenSubstationRequest request, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return (null, "只有平台管理员可以直接创建分站");
        var user = string.IsNullOrWhiteSpace(userName) ? null : await users.FindByNameAsync(userName.Trim());
        if (user is null) return (null, "用户不存在");
        return await OpenCoreAsync(Station.MainStationId, user.Id, request, charge: false, ct);
    }

    /// <summary>Why a station may not open a child (depth cap, level, count), or null.</summary>
    public static async Task<string?> CanOpenUnderAsync(KaMengDbContext db, Station parent, CancellationToken ct = default)
    {
        if (parent.Status == StationStatus.Closed) return "该站点已关闭";
        var settings = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        var depth = 0;
        for (var p = parent; p.ParentId is int pid; p = await db.Stations.AsNoTracking().SingleAsync(s => s.Id == pid, ct)) depth++;
        if (depth + 1 > settings.MaxDepth) return $"分站层级已达上限（总站以下最多 {settings.MaxDepth} 级）";
        if (parent.IsMain) return null;
        var level = parent.LevelId is int id ? await db.StationLevels.AsNoTracking().SingleAsync(l => l.Id == id, ct) : null;
        if (level is null || !level.MayOpenChildren) return "该分站等级不能开通下级分站";
        var children = await db.Stations.CountAsync(s => s.ParentId == parent.Id && s.Status != StationStatus.Closed, ct);
        if (children >= level.MaxChildren) return $"下级分站数量已达上限（{level.MaxChildren}）";
        return null;
    }

    /// <summary>Upgrade to a higher level by paying the difference of the opening prices.</summary>
    public async Task<string?> UpgradeAsync(int stationId, int targetLevelId, string ownerUserId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var station = await db.Stations.Include(s => s.Level).SingleOrDefaultAsync(s => s.Id == stationId && s.OwnerUserId == ownerUserId, ct);
        var target = await db.StationLevels.SingleOrDefaultAsync(l => l.Id == targetLevelId, ct);
        if (station is null || target is null) return "分站或等级不存在";
        if (station.Level is { } current && target.OpenPrice <= current.OpenPrice) return "只能升级到更高的等级";
        var price = station.Level?.UpgradePriceTo(target) ?? target.OpenPrice;
        if (price.Fen > 0 && await db.PostToUserAsync(ownerUserId, LedgerEntryType.Purchase, -price, now, stationId: Station.MainStationId, reason: $"分站升级为{target.Name}", ct: ct) is null)
            return $"余额不足：升级需要 {price}";
        station.LevelId = target.Id;
        db.AuditEntries.Add(new AuditEntry { Action = "station.upgrade", StationId = station.Id, UserId = ownerUserId, Target = station.Code, Detail = target.Name, CreatedAt = now });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        directory.Invalidate();
        prices.Invalidate();
        return null;
    }

    /// <summary>Renew a level with an expiry: pay the level's opening price again for another period.</summary>
    public async Task<string?> RenewAsync(int stationId, string ownerUserId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var station = await db.Stations.Include(s => s.Level).SingleOrDefaultAsync(s => s.Id == stationId && s.OwnerUserId == ownerUserId, ct);
        if (station?.Level is null) return "分站不存在";
        if (station.Level.RenewalDays is not int days) return "当前等级永久有效，无需续费";
        if (station.Level.OpenPrice.Fen > 0
            && await db.PostToUserAsync(ownerUserId, LedgerEntryType.Purchase, -station.Level.OpenPrice, now, stationId: Station.MainStationId, reason: $"分站续费 {days} 天", ct: ct) is null)
            return $"余额不足：续费需要 {station.Level.OpenPrice}";
        var from = station.ExpiresAt is { } e && e > now ? e : now;
        station.ExpiresAt = from.AddDays(days);
        db.AuditEntries.Add(new AuditEntry { Action = "station.renew", StationId = station.Id, UserId = ownerUserId, Target = station.Code, Detail = station.ExpiresAt.ToString(), CreatedAt = now });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        directory.Invalidate();
        return null;
    }

    /// <summary>Platform: suspend a storefront (or only its listing) with a reason and an end time; lift it; close.</summary>
    public async Task<string?> SetStatusAsync(int stationId, StationStatus status, bool listingOnly, string? reason, DateTimeOffset? until, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员可以暂停或关闭分站";
        if (stationId == Station.MainStationId) return "不能暂停或关闭总站";
        if (status == StationStatus.Suspended && string.IsNullOrWhiteSpace(reason)) return "请填写暂停原因";
        if (status == StationStatus.Suspended && until is not null && until <= clock.GetUtcNow()) return "结束时间必须晚于现在";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var station = await db.Stations.SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return "分站不存在";
        if (listingOnly)
        {
            // The listing-only suspension keeps its end time too (it used to be dropped, so the suspension never ended).
            station.ListingSuspended = status == StationStatus.Suspended;
            station.SuspensionReason = station.ListingSuspended ? reason?.Trim() : null;
            station.ListingSuspendedUntil = station.ListingSuspended ? until : null;
        }
        else
        {
            station.Status = status;
            station.SuspensionReason = status == StationStatus.Active ? null : reason?.Trim();
            station.SuspendedUntil = status == StationStatus.Suspended ? until : null;
            if (status == StationStatus.Active) (station.ListingSuspended, station.ListingSuspendedUntil) = (false, null);
        }
        db.AuditEntries.Add(actor.Entry("station.status", station.Code, $"{status}{(listingOnly ? "（仅商品）" : "")} {reason}", clock.GetUtcNow(), station.Id));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        return null;
    }

    public sealed record Branding(string? Name, string? Announcement, string? ContactQq, string? ContactWeChat, string? ContactTelegram, string? ContactEmail,
        string? LogoUrl, string? FaviconUrl, string? SeoTitle, string? SeoDescription, string? FooterText, string? ChildOpenMarkup);

    /// <summary>White-label settings of a station, by its owner (or the platform). Returns a Chinese error or null.</summary>
    public async Task<string?> UpdateBrandingAsync(int stationId, Branding b, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        if (string.IsNullOrWhiteSpace(b.Name) || b.Name.Trim().Length > 64) return "请填写站点名称（最多 64 字）";
        foreach (var url in new[] { b.LogoUrl, b.FaviconUrl })
            if (!string.IsNullOrWhiteSpace(url) && !IsSafeImageUrl(url.Trim())) return "图片须为本站上传的图片或站内路径（以 / 开头）";
        if (!string.IsNullOrWhiteSpace(b.ContactEmail) && !System.Text.RegularExpressions.Regex.IsMatch(b.ContactEmail.Trim(), @"^[^@\s]+@[^@\s]+\.[^@\s]+$")) return "客服邮箱格式不正确";
        var markup = Money.Zero;
        if (!string.IsNullOrWhiteSpace(b.ChildOpenMarkup) && (!Money.TryParseYuan(b.ChildOpenMarkup, out markup) || markup.IsNegative)) return "下级分站加价须为不小于 0 的金额";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var station = await db.Stations.SingleOrDefaultAsync(s => s.Id == stationId, ct);
        if (station is null) return "分站不存在";
        station.Name = b.Name.Trim();
        station.Announcement = Clip(b.Announcement, 2000);
        station.ContactQq = Clip(b.ContactQq, 32);
        station.ContactWeChat = Clip(b.ContactWeChat, 64);
        station.ContactTelegram = Clip(b.ContactTelegram, 64);
        station.ContactEmail = Clip(b.ContactEmail, 128);
        station.LogoUrl = Clip(b.LogoUrl, 256);
        station.FaviconUrl = Clip(b.FaviconUrl, 256);
        station.SeoTitle = Clip(b.SeoTitle, 128);
        station.SeoDescription = Clip(b.SeoDescription, 512);
        station.FooterText = Clip(b.FooterText, 512);
        station.ChildOpenMarkup = markup;
        db.AuditEntries.Add(actor.Entry("station.branding", station.Code, null, clock.GetUtcNow(), station.Id));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        prices.Invalidate();
        return null;
    }

    /// <summary>Binds a custom domain to a station. Unique; never a host of the platform itself.</summary>
    public async Task<string?> BindHostAsync(int stationId, string? host, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId) || stationId == Station.MainStationId) return "分站不存在";
        host = host?.Trim().ToLowerInvariant().TrimEnd('.');
        if (string.IsNullOrEmpty(host) || host.Length > 253 || Uri.CheckHostName(host) != UriHostNameType.Dns || !host.Contains('.'))
            return "请输入正确的域名，例如 shop.example.com";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        // Every name under a platform root is the platform's: {code}.{root} is given to each station automatically, so
        // binding another station's (or a future station's) would take it over.
        if (settings.RootDomainList.Any(r => host == r || host.EndsWith("." + r)))
            return "平台域名及其子域名不能绑定（本站的 编号.平台域名 已自动可用）";
        if (await db.StationHosts.AnyAsync(h => h.Host == host, ct)) return "该域名已被绑定";
        db.StationHosts.Add(new StationHost { StationId = stationId, Host = host, VerificationToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant() });
        db.AuditEntries.Add(actor.Entry("station.host", host, null, clock.GetUtcNow(), stationId));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (e.IsUniqueViolation()) { return "该域名已被绑定"; }
        directory.Invalidate();
        return null;
    }

    /// <summary>
    /// Verifies a pending domain: by fetching http://{host}/.well-known/kameng-verify and finding its token there (true when
    /// the domain already points at this platform, which answers that path itself), or — <paramref name="byStaff"/> — marked
    /// by the platform's staff after they checked the TXT record. Returns a Chinese error or null.
    /// </summary>
    public async Task<string?> VerifyHostAsync(int stationId, int hostId, AuditActor actor, bool byStaff = false, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        if (byStaff && actor.StationId is not null) return "只有平台管理员可以人工确认域名";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var host = await db.StationHosts.SingleOrDefaultAsync(h => h.Id == hostId && h.StationId == stationId, ct);
        if (host is null) return "域名不存在";
        if (host.IsVerified) return null;
        if (!byStaff)
        {
            string? answer = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                answer = await http.CreateClient(DomainVerificationClient).GetStringAsync($"http://{host.Host}{StationHost.WellKnownPath}", timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                // One answer whatever went wrong: the error text must not tell ports or addresses apart.
            }
            if (answer?.Trim() != host.VerificationToken)
                return $"验证未通过：请将域名解析到本平台，或在 http://{host.Host}{StationHost.WellKnownPath} 返回验证码 {host.VerificationToken}";
        }
        host.VerifiedAt = clock.GetUtcNow();
        db.AuditEntries.Add(actor.Entry("station.host.verify", host.Host, byStaff ? "人工确认（TXT 记录）" : "HTTP 验证", clock.GetUtcNow(), stationId));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        return null;
    }

    /// <summary>The named HttpClient of domain verification (a URL the owner typed: it goes through the outbound guard).</summary>
    public const string DomainVerificationClient = "KaMeng.DomainVerification";

    public async Task<string?> UnbindHostAsync(int stationId, int hostId, AuditActor actor, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return "分站不存在";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var n = await db.StationHosts.Where(h => h.Id == hostId && h.StationId == stationId).ExecuteDeleteAsync(ct);
        directory.Invalidate();
        return n == 0 ? "域名不存在" : null;
    }

    // Every buyer's browser fetches the logo and favicon: from this site only (uploads or a site path), never a third party
    // that would see each visitor (issue 16 §4).
    static bool IsSafeImageUrl(string url) => url.StartsWith('/') && KaMeng.Web.Features.Shared.MarkdownRenderer.IsSiteUrl(url);

    static string? Clip(string? text, int max) => string.IsNullOrWhiteSpace(text) ? null : text.Trim()[..Math.Min(max, text.Trim().Length)];

    static async Task CreditAsync(KaMengDbContext db, string userId, Money amount, DateTimeOffset now, int stationId, string reason, CancellationToken ct)
    {
        // A commission is 收益 like a margin: 待结算 for the station's hold (decision 0023).
        var hold = (await db.EarningHoldsAsync([stationId], now, ct)).GetValueOrDefault(stationId);
        await db.PostToUserAsync(userId, LedgerEntryType.Earning, amount, now, stationId: stationId, reason: reason,
            bucket: WalletBucket.Earnings, availableAt: hold, ct: ct);
    }
}
