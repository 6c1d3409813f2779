using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Finance;

/// <summary>A withdrawal as 提现审核 lists it: who asked, and from which station.</summary>
public sealed record WithdrawalRow(Withdrawal W, string? UserName, string? StationCode);

/// <summary>What the platform's 提现审核 page reads.</summary>
public sealed class WithdrawalQueries(IDbContextFactory<KaMengDbContext> dbFactory)
{
    /// <summary>The latest 500 withdrawals of every station, newest first, in the status (all when null).</summary>
    public async Task<List<WithdrawalRow>> ListAsync(WithdrawalStatus? status, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from w in db.Withdrawals.AsNoTracking()
                    join u in db.Users on w.UserId equals u.Id
                    join s in db.Stations on w.StationId equals s.Id into ss
                    from s in ss.DefaultIfEmpty()
                    where status == null || w.Status == status
                    orderby w.Id descending
                    select new { w, u.UserName, Code = s != null ? s.Code : null };
        return (await query.Take(500).ToListAsync(ct)).Select(x => new WithdrawalRow(x.w, x.UserName, x.Code)).ToList();
    }
}
