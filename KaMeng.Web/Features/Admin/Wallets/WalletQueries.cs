using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Wallets;

/// <summary>A user and their wallet as 用户与余额 shows it. 可提现 is earnings minus what is still on hold (待结算).</summary>
/// <remarks><see cref="DisabledReason"/>: set when the platform disabled the account (issue 21 §4).</remarks>
public sealed record WalletRow(string Id, string UserName, Money Balance, Money Earnings, Money Pending, DateTimeOffset? DisabledAt = null, string? DisabledReason = null)
{
    public Money Available => Earnings - Pending;
}

/// <summary>One page of users, filtered by a part of the user name.</summary>
public sealed record WalletPageQuery(string? Search, int Skip, int Take);

public sealed class WalletQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Platform-wide: only the platform's admins and finance open 用户与余额.</summary>
    public async Task<(IReadOnlyList<WalletRow> Rows, int Total)> PageAsync(
        DateTimeOffset now, WalletPageQuery q, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from u in db.Users
                    join w in db.Wallets on u.Id equals w.UserId into ws
                    from w in ws.DefaultIfEmpty()
                    select new { u.Id, u.UserName, u.DisabledAt, u.DisabledReason, WalletId = w != null ? w.Id : 0, Balance = w != null ? w.Balance : Money.Zero, Earnings = w != null ? w.Earnings : Money.Zero };
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var search = q.Search.Trim();
            query = query.Where(u => u.UserName!.Contains(search));
        }
        var total = await query.CountAsync(ct);
        var page = await query.OrderBy(u => u.UserName).Skip(Math.Max(0, q.Skip)).Take(Math.Clamp(q.Take, 1, 200)).ToListAsync(ct);
        // 待结算 of this page's wallets: their earnings entries still on hold.
        var walletIds = page.Select(u => u.WalletId).Where(id => id != 0).ToList();
        var pending = (await db.LedgerEntries.AsNoTracking()
                .Where(e => walletIds.Contains(e.WalletId) && e.Bucket == WalletBucket.Earnings && e.AvailableAt > now)
                .Select(e => new { e.WalletId, e.Amount }).ToListAsync(ct))
            .GroupBy(e => e.WalletId).ToDictionary(g => g.Key, g => Money.FromFen(Math.Max(0, g.Sum(e => e.Amount.Fen))));
        return (page.Select(u => new WalletRow(u.Id, u.UserName ?? "", u.Balance, u.Earnings, pending.GetValueOrDefault(u.WalletId), u.DisabledAt, u.DisabledReason)).ToList(), total);
    }
}
