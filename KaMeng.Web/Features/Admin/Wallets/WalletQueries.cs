using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Wallets;

/// <summary>A user as 用户与余额 lists them: 余额, 收益 and its part still on hold (待结算).</summary>
public sealed record UserRow(string Id, string UserName, Money Balance, Money Earnings, Money Pending);

/// <summary>What the platform's 用户与余额 page reads.</summary>
public sealed class WalletQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>One page of users by name (those whose name contains <paramref name="search"/>) and the count of all of them.</summary>
    public async Task<(List<UserRow> Rows, int Count)> PageAsync(string? search, int skip, int take, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from u in db.Users
                    join w in db.Wallets on u.Id equals w.UserId into ws
                    from w in ws.DefaultIfEmpty()
                    select new { u.Id, u.UserName, WalletId = w != null ? w.Id : 0, Balance = w != null ? w.Balance : Money.Zero, Earnings = w != null ? w.Earnings : Money.Zero };
        if (!string.IsNullOrWhiteSpace(search)) query = query.Where(u => u.UserName!.Contains(search.Trim()));
        var count = await query.CountAsync(ct);
        var page = await query.OrderBy(u => u.UserName).Skip(skip).Take(take).ToListAsync(ct);
        // 待结算 of this page's wallets: their earnings entries still on hold.
        var walletIds = page.Select(u => u.WalletId).Where(id => id != 0).ToList();
        var pending = (await db.LedgerEntries.AsNoTracking().Where(e => walletIds.Contains(e.WalletId) && e.Bucket == WalletBucket.Earnings && e.AvailableAt > now)
                .Select(e => new { e.WalletId, e.Amount }).ToListAsync(ct))
            .GroupBy(e => e.WalletId).ToDictionary(g => g.Key, g => Money.FromFen(Math.Max(0, g.Sum(e => e.Amount.Fen))));
        return (page.Select(u => new UserRow(u.Id, u.UserName ?? "", u.Balance, u.Earnings, pending.GetValueOrDefault(u.WalletId))).ToList(), count);
    }
}
