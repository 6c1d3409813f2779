using System.Security.Cryptography;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.CardKeys;

/// <summary>The outcome of an import. On failure nothing was written.</summary>
public sealed record CardKeyImportResult(bool Succeeded, string Message, CardKeyImportPreview Preview, string? BatchNumber = null, int? BatchId = null)
{
    public int Imported => Succeeded ? Preview.NewCount : 0;
}

/// <summary>
/// 卡密导入: previews an import (the parser's classification plus duplicates of keys already in the product, found by
/// their keyed hash, never by decrypting) and imports it in one transaction: a batch, the encrypted keys and an audit entry.
/// </summary>
public sealed class CardKeyImportService(IDbContextFactory<KaMengDbContext> dbFactory, CardKeyVault vault, TimeProvider clock, ILogger<CardKeyImportService> log)
{
    /// <summary>Hashes looked up per query; keeps each query's parameter list small on both providers.</summary>
    const int HashChunk = 1000;

    public Task<CardKeyImportPreview> PreviewAsync(int stationId, int productId, string text, CardKeyImportOptions options, CancellationToken ct = default) =>
        PreviewAsync(stationId, productId, CardKeyImport.Parse(text, options), ct);

    public async Task<CardKeyImportPreview> PreviewAsync(int stationId, int productId, CardKeyImportPreview parsed, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var product = await CardKeyAccess.CardKeyProductAsync(db, stationId, productId, ct);
        return (await CheckAsync(db, product, parsed, ct)).Preview;
    }

    public Task<CardKeyImportResult> ImportAsync(int stationId, int productId, string text, CardKeyImportOptions options, CardKeyActor actor, CancellationToken ct = default) =>
        ImportAsync(stationId, productId, CardKeyImport.Parse(text, options), actor, ct);

    /// <summary>Imports the new keys of <paramref name="parsed"/>. Duplicates are checked again inside the transaction
    /// (and skipped, as the preview said); the unique index (ProductId, SecretHash) is the final guard: if it refuses a
    /// key written meanwhile by someone else, everything is rolled back and the result says so.</summary>
    public async Task<CardKeyImportResult> ImportAsync(int stationId, int productId, CardKeyImportPreview parsed, CardKeyActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var product = await CardKeyAccess.CardKeyProductAsync(db, stationId, productId, ct);
        var (preview, hashes) = await CheckAsync(db, product, parsed, ct);
        if (preview.Error is not null) return new(false, preview.Error, preview);
        if (preview.Keys.Count == 0) return new(false, "没有可导入的新卡密", preview);

        var now = clock.GetUtcNow();
        var batch = new CardKeyBatch
        {
            StationId = product.StationId, ProductId = product.Id, Number = NewBatchNumber(now), Count = preview.Keys.Count,
            ImportedByUserId = actor.UserId, CreatedAt = now,
        };
        var keys = new List<CardKey>(preview.Keys.Count);
        try
        {
            db.CardKeyBatches.Add(batch);
            await db.SaveChangesAsync(ct);
            foreach (var key in preview.Keys)
                keys.Add(new CardKey
                {
                    StationId = product.StationId, ProductId = product.Id, BatchId = batch.Id, SecretCipher = vault.Protect(key.Secret),
                    SecretHash = hashes[key.LineNumber], Status = CardKeyStatus.Available, CreatedAt = now,
                });
            db.CardKeys.AddRange(keys);
            db.AuditEntries.Add(CardKeyAccess.Audit(product.StationId, actor, "cardkey.import", $"batch:{batch.Number}",
                $"商品 {product.Id}「{product.Name}」导入 {keys.Count} 个卡密；跳过批内重复 {preview.DuplicateInBatchCount}、库存重复 {preview.DuplicateExistingCount}、空行 {preview.BlankCount}、格式错误 {preview.MalformedCount}", now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            await tx.RollbackAsync(CancellationToken.None);
            log.LogWarning(e, "Card-key import into product {ProductId} refused by a unique index; rolled back", product.Id);
            return new(false, "导入失败：有卡密刚被其他操作写入库存，本次没有导入任何卡密。请重新预览后再导入。", preview);
        }
        log.LogInformation("Imported {Count} card keys into product {ProductId} as batch {Batch}", keys.Count, product.Id, batch.Number);
        return new(true, $"已导入 {keys.Count} 个卡密，批次号 {batch.Number}", preview, batch.Number, batch.Id);
    }

    async Task<(CardKeyImportPreview Preview, Dictionary<int, string> HashByLine)> CheckAsync(KaMengDbContext db, Product product, CardKeyImportPreview parsed, CancellationToken ct)
    {
        var hashByLine = new Dictionary<int, string>(parsed.Keys.Count);
        if (parsed.Error is not null) return (parsed, hashByLine);
        foreach (var key in parsed.Keys) hashByLine[key.LineNumber] = vault.Hash(key.Secret);

        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in hashByLine.Values.Distinct().Chunk(HashChunk))
        {
            var found = await db.CardKeys.AsNoTracking()
                .Where(k => k.ProductId == product.Id && chunk.Contains(k.SecretHash))
                .Select(k => k.SecretHash).ToListAsync(ct);
            existing.UnionWith(found);
        }
        var preview = parsed.WithExisting(hashByLine.Where(p => existing.Contains(p.Value)).Select(p => p.Key).ToHashSet());
        if (product.ReusableKey)
            preview = preview.ForReusableProduct(await db.CardKeys.AnyAsync(k => k.ProductId == product.Id && k.Status == CardKeyStatus.Available, ct));
        return (preview, hashByLine);
    }

    /// <summary>"B" + Beijing time (<see cref="BusinessTime"/>) yyyyMMddHHmmss + 6 random characters, e.g. B20261122160501K7QX2M.</summary>
    public static string NewBatchNumber(DateTimeOffset now) =>
        "B" + BusinessTime.Format(now, "yyyyMMddHHmmss")
        + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6);
}
