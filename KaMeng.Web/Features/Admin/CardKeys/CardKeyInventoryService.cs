using System.Security.Cryptography;
using System.Text;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.CardKeys;

public sealed record CardKeyProductOption(int Id, string Name, bool ReusableKey);

/// <summary>Counts of a product's keys, always computed from the CardKeys table (there is no stored counter).</summary>
public sealed record CardKeyCounts(int Available, int Sold, int Void)
{
    public int Total => Available + Sold + Void;
}

public sealed record CardKeyBatchRow(int Id, string Number, int Count, int Available, int Sold, int Void, DateTimeOffset CreatedAt);

public sealed record CardKeyRow(long Id, string MaskedSecret, CardKeyStatus Status, int BatchId, string BatchNumber, long? OrderId, DateTimeOffset CreatedAt, DateTimeOffset? SoldAt);

/// <summary>What the key list can be sorted by; <see cref="Newest"/> (the default) is the newest key first.</summary>
public enum CardKeySort { Newest, Id, Status, Batch, CreatedAt }

public sealed record CardKeyQuery(CardKeyStatus? Status = null, int? BatchId = null, int Skip = 0, int Take = 20, CardKeySort Sort = CardKeySort.Newest, bool Descending = false);

/// <summary>The outcome of voiding several keys: only available keys are voided, the others are skipped.</summary>
public sealed record CardKeyVoidResult(int Voided, int Skipped);

public sealed record CardKeyPage(IReadOnlyList<CardKeyRow> Rows, int Total);

public sealed record CardKeyExportFile(string FileName, byte[] Content, int Count);

/// <summary>卡密库存: counts, paged lists with masked secrets, voiding, revealing and exporting keys of one station.
/// Revealing and exporting show secrets in full, so each writes an audit entry first.</summary>
public sealed class CardKeyInventoryService(IDbContextFactory<KaMengDbContext> dbFactory, CardKeyVault vault, TimeProvider clock, ILogger<CardKeyInventoryService> log)
{
    public const int MaxPageSize = 200;

    /// <summary>The page sizes the key list offers.</summary>
    public static readonly int[] PageSizes = [20, 50, 100, 200];

    /// <summary>Most keys voided in one batch action (a selection spans at most a few pages).</summary>
    public const int MaxVoidBatch = 1000;

    /// <summary>The station whose keys the user manages (<see cref="CardKeyAccess.StationOfAsync"/>).</summary>
    public Task<int?> StationOfAsync(System.Security.Claims.ClaimsPrincipal user, CancellationToken ct = default) =>
        CardKeyAccess.StationOfAsync(dbFactory, user, ct);

    public async Task<IReadOnlyList<CardKeyProductOption>> ProductsAsync(int stationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Products.AsNoTracking()
            .Where(p => p.StationId == stationId && !p.Deleted && p.DeliveryType == DeliveryType.CardKey)
            .OrderBy(p => p.CategoryId).ThenBy(p => p.SortOrder).ThenBy(p => p.Id)
            .Select(p => new CardKeyProductOption(p.Id, p.Name, p.ReusableKey)).ToListAsync(ct);
    }

    public async Task<CardKeyCounts> CountsAsync(int stationId, int productId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var byStatus = await db.CardKeys.Where(k => k.StationId == stationId && k.ProductId == productId)
            .GroupBy(k => k.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        int Of(CardKeyStatus s) => byStatus.FirstOrDefault(x => x.Status == s)?.Count ?? 0;
        return new CardKeyCounts(Of(CardKeyStatus.Available), Of(CardKeyStatus.Sold), Of(CardKeyStatus.Void));
    }

    public async Task<IReadOnlyList<CardKeyBatchRow>> BatchesAsync(int stationId, int productId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var batches = await db.CardKeyBatches.AsNoTracking().Where(b => b.StationId == stationId && b.ProductId == productId)
            .OrderByDescending(b => b.Id).ToListAsync(ct);
        var counts = await db.CardKeys.Where(k => k.StationId == stationId && k.ProductId == productId)
            .GroupBy(k => new { k.BatchId, k.Status }).Select(g => new { g.Key.BatchId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        int Of(int batchId, CardKeyStatus s) => counts.FirstOrDefault(x => x.BatchId == batchId && x.Status == s)?.Count ?? 0;
        return batches.Select(b => new CardKeyBatchRow(b.Id, b.Number, b.Count, Of(b.Id, CardKeyStatus.Available), Of(b.Id, CardKeyStatus.Sold), Of(b.Id, CardKeyStatus.Void), b.CreatedAt)).ToList();
    }

    /// <summary>One page of a product's keys, newest first, secrets masked.</summary>
    public async Task<CardKeyPage> ListAsync(int stationId, int productId, CardKeyQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var keys = db.CardKeys.AsNoTracking().Where(k => k.StationId == stationId && k.ProductId == productId);
        if (query.Status is { } status) keys = keys.Where(k => k.Status == status);
        if (query.BatchId is { } batchId) keys = keys.Where(k => k.BatchId == batchId);
        var total = await keys.CountAsync(ct);
        var joined = from k in keys
                     join b in db.CardKeyBatches on k.BatchId equals b.Id
                     select new { k.Id, k.SecretCipher, k.Status, k.BatchId, b.Number, k.OrderId, k.CreatedAt, k.SoldAt };
        var desc = query.Descending;
        // Every order ends on the id, so pages never overlap.
        joined = query.Sort switch
        {
            CardKeySort.Id or CardKeySort.CreatedAt => desc ? joined.OrderByDescending(r => r.Id) : joined.OrderBy(r => r.Id),
            CardKeySort.Status => desc ? joined.OrderByDescending(r => r.Status).ThenByDescending(r => r.Id) : joined.OrderBy(r => r.Status).ThenByDescending(r => r.Id),
            CardKeySort.Batch => desc ? joined.OrderByDescending(r => r.BatchId).ThenByDescending(r => r.Id) : joined.OrderBy(r => r.BatchId).ThenByDescending(r => r.Id),
            _ => joined.OrderByDescending(r => r.Id),
        };
        var rows = await joined.Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, MaxPageSize)).ToListAsync(ct);
        return new CardKeyPage(rows.Select(r => new CardKeyRow(r.Id, MaskOf(r.SecretCipher), r.Status, r.BatchId, r.Number, r.OrderId, r.CreatedAt, r.SoldAt)).ToList(), total);
    }

    /// <summary>作废: only an available key; a sold key stays sold. Conditional update, so a key sold meanwhile is never voided.</summary>
    public async Task VoidAsync(int stationId, long keyId, CardKeyActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var changed = await db.CardKeys.Where(k => k.Id == keyId && k.StationId == stationId && k.Status == CardKeyStatus.Available)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Void), ct);
        if (changed == 0)
        {
            var status = await db.CardKeys.Where(k => k.Id == keyId && k.StationId == stationId).Select(k => (CardKeyStatus?)k.Status).FirstOrDefaultAsync(ct);
            throw status switch
            {
                null => new DomainException("cardkey.not-found", "卡密不存在"),
                CardKeyStatus.Sold => new DomainException("cardkey.sold", "已售出的卡密不能作废"),
                CardKeyStatus.Refunded => new DomainException("cardkey.refunded", "该卡密所在订单已退款，卡密已停用"),
                _ => new DomainException("cardkey.already-void", "该卡密已作废"),
            };
        }
        var key = await db.CardKeys.AsNoTracking().Where(k => k.Id == keyId).Select(k => new { k.ProductId, k.BatchId }).SingleAsync(ct);
        db.AuditEntries.Add(CardKeyAccess.Audit(stationId, actor, "cardkey.void", $"cardkey:{keyId}", $"作废卡密 {keyId}（商品 {key.ProductId}，批次 {key.BatchId}）", clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>批量作废: voids the available keys among <paramref name="keyIds"/> in one transaction (one audit entry per
    /// key); sold, refunded and already void keys are skipped and counted.</summary>
    public async Task<CardKeyVoidResult> VoidManyAsync(int stationId, IReadOnlyCollection<long> keyIds, CardKeyActor actor, CancellationToken ct = default)
    {
        var ids = keyIds.Distinct().ToList();
        if (ids.Count == 0) return new(0, 0);
        if (ids.Count > MaxVoidBatch) throw new DomainException("cardkey.void-too-many", $"一次最多作废 {MaxVoidBatch} 个卡密");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var available = await db.CardKeys.Where(k => ids.Contains(k.Id) && k.StationId == stationId && k.Status == CardKeyStatus.Available)
            .Select(k => new { k.Id, k.ProductId, k.BatchId }).ToListAsync(ct);
        var availableIds = available.Select(k => k.Id).ToList();
        var changed = availableIds.Count == 0 ? 0 : await db.CardKeys
            .Where(k => availableIds.Contains(k.Id) && k.StationId == stationId && k.Status == CardKeyStatus.Available)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, CardKeyStatus.Void), ct);
        if (changed != availableIds.Count)
        {
            // A key was sold between the read and the update: void nothing rather than audit keys that were not voided.
            await tx.RollbackAsync(CancellationToken.None);
            throw new DomainException("cardkey.changed", "有卡密刚被售出或作废，本次没有作废任何卡密，请刷新后重试");
        }
        var now = clock.GetUtcNow();
        foreach (var key in available)
            db.AuditEntries.Add(CardKeyAccess.Audit(stationId, actor, "cardkey.void", $"cardkey:{key.Id}", $"批量作废卡密 {key.Id}（商品 {key.ProductId}，批次 {key.BatchId}）", now));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new(changed, ids.Count - changed);
    }

    /// <summary>查看完整卡密: the audit entry (who, which key) is written before the secret is returned.</summary>
    public async Task<string> RevealAsync(int stationId, long keyId, CardKeyActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.CardKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == keyId && k.StationId == stationId, ct)
            ?? throw new DomainException("cardkey.not-found", "卡密不存在");
        var secret = Unprotect(key.SecretCipher) ?? throw new DomainException("cardkey.undecryptable", "无法解密该卡密（密钥已丢失？）");
        db.AuditEntries.Add(CardKeyAccess.Audit(stationId, actor, "cardkey.reveal", $"cardkey:{keyId}", $"查看完整卡密 {keyId}（商品 {key.ProductId}，状态 {CardKeyAccess.StatusName(key.Status)}）", clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        return secret;
    }

    /// <summary>导出未售: the available keys of a batch, one per line (UTF-8, CRLF). Exporting does not change their status.</summary>
    public async Task<CardKeyExportFile> ExportUnsoldAsync(int stationId, int batchId, CardKeyActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var batch = await db.CardKeyBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId && b.StationId == stationId, ct)
            ?? throw new DomainException("cardkey.batch-not-found", "批次不存在");
        var ciphers = await db.CardKeys.AsNoTracking().Where(k => k.BatchId == batchId && k.StationId == stationId && k.Status == CardKeyStatus.Available)
            .OrderBy(k => k.Id).Select(k => k.SecretCipher).ToListAsync(ct);
        var text = new StringBuilder(ciphers.Count * 32);
        var undecryptable = 0;
        foreach (var cipher in ciphers)
        {
            if (Unprotect(cipher) is { } secret) text.Append(secret).Append("\r\n");
            else undecryptable++;
        }
        if (undecryptable > 0) throw new DomainException("cardkey.undecryptable", $"有 {undecryptable} 个卡密无法解密，已停止导出");
        db.AuditEntries.Add(CardKeyAccess.Audit(stationId, actor, "cardkey.export", $"batch:{batch.Number}", $"导出批次 {batch.Number} 的未售卡密 {ciphers.Count} 个（商品 {batch.ProductId}）", clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        return new CardKeyExportFile($"{batch.Number}-unsold.txt", new UTF8Encoding(false).GetBytes(text.ToString()), ciphers.Count);
    }

    string MaskOf(string cipher) => Unprotect(cipher) is { } secret ? CardKeyVault.Mask(secret) : "（无法解密）";

    string? Unprotect(string cipher)
    {
        try { return vault.Unprotect(cipher); }
        catch (CryptographicException e)
        {
            log.LogError(e, "A card key could not be decrypted");
            return null;
        }
    }
}
