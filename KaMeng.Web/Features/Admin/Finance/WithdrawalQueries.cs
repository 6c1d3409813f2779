using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Finance;

/// <summary>A withdrawal request as finance reviews it: every fact, the payout account in full.</summary>
public sealed record WithdrawalRow(
    long Id, string? UserName, string? StationCode, Money Amount, Money Fee, string PayoutAccount,
    WithdrawalStatus Status, string? PayoutReference, string? RejectReason, DateTimeOffset CreatedAt);

public enum WithdrawalSort { CreatedAt, Amount }

/// <summary>One page of the withdrawal review list (the page maps its grid state to this).</summary>
public sealed record WithdrawalPageQuery(WithdrawalStatus? Status, int Skip, int Take, WithdrawalSort SortBy = WithdrawalSort.CreatedAt, bool Descending = true);

/// <summary>What the platform's 提现审核 page reads.</summary>
public sealed class WithdrawalQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>Platform-wide: only the platform's admins and finance open the review page.</summary>
    public async Task<(IReadOnlyList<WithdrawalRow> Rows, int Total)> PageAsync(WithdrawalPageQuery q, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from w in db.Withdrawals.AsNoTracking()
                    join u in db.Users on w.UserId equals u.Id
                    join s in db.Stations on w.StationId equals s.Id into ss
                    from s in ss.DefaultIfEmpty()
                    select new { w, u.UserName, Code = s != null ? s.Code : null };
        if (q.Status is { } status) query = query.Where(x => x.w.Status == status);
        var total = await query.CountAsync(ct);
        query = (q.SortBy, q.Descending) switch
        {
            (WithdrawalSort.Amount, true) => query.OrderByDescending(x => x.w.Amount).ThenByDescending(x => x.w.Id),
            (WithdrawalSort.Amount, false) => query.OrderBy(x => x.w.Amount).ThenBy(x => x.w.Id),
            (_, false) => query.OrderBy(x => x.w.Id),
            _ => query.OrderByDescending(x => x.w.Id),
        };
        var rows = await query.Skip(Math.Max(0, q.Skip)).Take(Math.Clamp(q.Take, 1, 200))
            .Select(x => new WithdrawalRow(x.w.Id, x.UserName, x.Code, x.w.Amount, x.w.Fee, x.w.PayoutAccount, x.w.Status,
                x.w.PayoutReference, x.w.RejectReason, x.w.CreatedAt))
            .ToListAsync(ct);
        return (rows, total);
    }
}
