using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>Balances and their ledger, and staff adjustments (调整) with reason and operator.</summary>
public sealed class WalletService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, DepositReleases releases)
{
    public async Task<(Money Balance, List<LedgerEntry> Entries)> LedgerOfAsync(string userId, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var wallet = await db.Wallets.AsNoTracking().SingleOrDefaultAsync(w => w.UserId == userId, ct);
        if (wallet is null) return (Money.Zero, []);
        var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.WalletId == wallet.Id).OrderByDescending(e => e.Id).Take(take).ToListAsync(ct);
        return (wallet.Balance, entries);
    }

    /// <summary>Adds (or, negative, takes) money with a reason; the balance may not go below zero. Returns a Chinese error or null.</summary>
    public async Task<string?> AdjustAsync(string userId, string? amountText, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员和财务可以调整余额";
        if (!Money.TryParseYuan(amountText, out var amount) || amount.Fen == 0) return "请输入正确的金额（最多两位小数，可为负数）";
        if (Math.Abs(amount.Fen) > 100_000_000) return "单次调整金额不能超过 ¥1,000,000.00";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写调整原因";
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return "用户不存在";
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var entry = await db.PostToUserAsync(userId, LedgerEntryType.Adjustment, amount, now, reason: reason.Trim(), operatorUserId: actor.UserId, ct: ct);
        if (entry is null) return "余额不足，调整后余额不能为负";
        db.AuditEntries.Add(actor.Entry("wallet.adjust", userId, $"{amount} {reason.Trim()}", now, null));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // A credited owner's held orders go on (their 预存款 may now cover them).
        if (amount.Fen > 0) await releases.ReleaseForOwnerAsync(userId, ct);
        return null;
    }
}
