using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Orders;

/// <summary>Balances and their ledger, and staff adjustments (调整) with reason and operator.</summary>
public sealed class WalletService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, DepositReleases releases)
{
    /// <summary>A wallet as its user sees it: 余额, 收益 (待结算 and 可提现) and the latest entries of both.</summary>
    public sealed record WalletView(Money Balance, EarningsState Earnings, List<LedgerEntry> Entries);

    /// <summary>Opens the user's wallet (empty) when they have none yet, e.g. right after registration.</summary>
    public async Task EnsureWalletAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.EnsureWalletAsync(userId, ct);
    }

    public async Task<WalletView> ViewAsync(string userId, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var wallet = await db.Wallets.AsNoTracking().SingleOrDefaultAsync(w => w.UserId == userId, ct);
        if (wallet is null) return new(Money.Zero, new(Money.Zero, Money.Zero, null), []);
        var earnings = await db.EarningsOfAsync(userId, clock.GetUtcNow(), ct);
        var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.WalletId == wallet.Id).OrderByDescending(e => e.Id).Take(take).ToListAsync(ct);
        return new(wallet.Balance, earnings, entries);
    }

    /// <summary>One page (from 0) of a user's ledger, newest first, and how many entries there are in all.</summary>
    public async Task<(IReadOnlyList<LedgerEntry> Items, int Total)> LedgerPageAsync(string userId, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var walletId = await db.Wallets.Where(w => w.UserId == userId).Select(w => (int?)w.Id).SingleOrDefaultAsync(ct);
        if (walletId is null) return ([], 0);
        var entries = db.LedgerEntries.AsNoTracking().Where(e => e.WalletId == walletId);
        var total = await entries.CountAsync(ct);
        var items = await entries.OrderByDescending(e => e.Id).Skip(Math.Max(0, page) * Math.Clamp(pageSize, 1, 200)).Take(Math.Clamp(pageSize, 1, 200)).ToListAsync(ct);
        return (items, total);
    }

    /// <summary>
    /// 收益转余额: moves 可提现 earnings into spendable 余额, one way (money once in 余额 never becomes withdrawable again:
    /// decision 0023). Returns a Chinese error or null.
    /// </summary>
    public async Task<string?> TransferEarningsAsync(string userId, string? amountText, CancellationToken ct = default)
    {
        if (!Money.TryParseYuan(amountText, out var amount) || amount.Fen == 0) return "请输入正确的金额（最多两位小数）";
        if (amount.Fen < 0) return "只能把可提现收益转入余额，余额不能转入收益";
        var now = clock.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            await db.LockWalletAsync(userId, ct);
            var earnings = await db.EarningsOfAsync(userId, now, ct);
            if (earnings.RefuseWithdrawal(amount) is { } refused) return refused;
            var taken = await db.PostToUserAsync(userId, LedgerEntryType.Transfer, -amount, now, reason: "收益转入余额", bucket: WalletBucket.Earnings, ct: ct);
            if (taken is null) return "可提现收益不足";
            await db.PostToUserAsync(userId, LedgerEntryType.Transfer, amount, now, reason: "收益转入余额", ct: ct);
            var userName = await db.Users.Where(u => u.Id == userId).Select(u => u.UserName).SingleAsync(ct);
            db.AuditEntries.Add(new AuditEntry { Action = "wallet.transfer", UserId = userId, UserName = userName, Target = amount.ToString(), CreatedAt = now });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        // An owner's 预存款 grew: their held orders may go on now (after the transaction let go of SQLite's writer gate).
        await releases.ReleaseForOwnerAsync(userId, ct);
        return null;
    }

    /// <summary>Adds (or, negative, takes) money with a reason; the balance may not go below zero. Returns a Chinese error or null.</summary>
    public async Task<string?> AdjustAsync(string userId, string? amountText, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        if (actor.StationId is not null) return "只有平台管理员和财务可以调整余额";
        if (!Money.TryParseYuan(amountText, out var amount) || amount.Fen == 0) return "请输入正确的金额（最多两位小数，可为负数）";
        if (Math.Abs(amount.Fen) > 100_000_000) return "单次调整金额不能超过 ¥1,000,000.00";
        if (string.IsNullOrWhiteSpace(reason)) return "请填写调整原因";
        var now = clock.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return "用户不存在";
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            var entry = await db.PostToUserAsync(userId, LedgerEntryType.Adjustment, amount, now, reason: reason.Trim(), operatorUserId: actor.UserId, ct: ct);
            if (entry is null) return "余额不足，调整后余额不能为负";
            db.AuditEntries.Add(actor.Entry("wallet.adjust", userId, $"{amount} {reason.Trim()}", now, null));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        // A credited owner's held orders go on (their 预存款 may now cover them). Only after the transaction is disposed: on
        // SQLite it holds the writer gate until then, and each release takes it again.
        if (amount.Fen > 0) await releases.ReleaseForOwnerAsync(userId, ct);
        return null;
    }
}
