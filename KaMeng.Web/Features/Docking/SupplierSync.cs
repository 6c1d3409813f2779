using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Compliance;
using KaMeng.Web.Features.OpenApi;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Docking;

/// <summary>
/// 同步: every supplier's catalogue once per run; each imported product follows the upstream price through its rule, and a
/// supply problem (cost above price, out of stock, gone, unreachable) takes it off shelf with an audit entry and an alert.
/// The storefront keeps working: it only ever sees products on or off shelf.
/// </summary>
public sealed class SupplierSync(IDbContextFactory<KaMengDbContext> dbFactory, SupplierService suppliers, SupplierClient client, ISupplyAlerts alerts,
    TimeProvider clock, ILogger<SupplierSync> log, ComplianceService compliance)
{
    public async Task<int> SyncAsync(CancellationToken ct = default)
    {
        List<Supplier> all;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            all = await db.Suppliers.AsNoTracking().Where(s => db.SupplierProducts.Any(l => l.SupplierId == s.Id)).ToListAsync(ct);
        var changed = 0;
        foreach (var supplier in all) changed += await SyncSupplierAsync(supplier, ct);
        return changed;
    }

    async Task<int> SyncSupplierAsync(Supplier supplier, CancellationToken ct)
    {
        Dictionary<int, ProductData>? upstream = null;
        string? error = null;
        try { upstream = (await client.ProductsAsync(suppliers.Endpoint(supplier), ct)).ToDictionary(p => p.Id); }
        catch (SupplierException e) { error = e.Message; }
        if (error is not null) log.LogWarning("Supplier {Supplier} ({Url}) sync failed: {Error}", supplier.Name, supplier.BaseUrl, error);

        var now = clock.GetUtcNow();
        var raised = new List<SupplyAlert>();
        var notices = new List<ComplianceNotice?>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        var s = await db.Suppliers.SingleAsync(x => x.Id == supplier.Id, ct);
        s.Reachable = error is null;
        s.LastError = error;
        s.LastCheckedAt = now;
        var links = await db.SupplierProducts.Where(l => l.SupplierId == supplier.Id).ToListAsync(ct);
        var ids = links.Select(l => l.ProductId).ToList();
        var products = await db.Products.Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var changed = 0;
        // A rename's 违禁词 scan: the terms and each station's review setting read once for this sync, at the first rename.
        TermScanner? scanner = null;
        var skipsReview = new Dictionary<int, bool>();
        foreach (var link in links)
        {
            if (!products.TryGetValue(link.ProductId, out var product) || product.Deleted) continue;
            var (onShelf, price) = (product.OnShelf, product.BasePrice);
            ProductData? item = null;
            var found = upstream?.TryGetValue(link.UpstreamProductId, out item) == true;
            Money? upstreamPrice = found && Money.TryParseYuan(item!.Price, out var m) ? m : null;
            var problem = link.Apply(product, upstreamPrice, item?.Stock, error is null, now);
            if (found && item!.Name is { Length: > 0 } upstreamName && upstreamName != link.UpstreamName)
            {
                // The name follows the upstream's unless someone here renamed the product; either way the 违禁词 scan sees it.
                var clipped = upstreamName.Length > 100 ? upstreamName[..100] : upstreamName;
                if (link.UpstreamName is { } old && product.Name == (old.Length > 100 ? old[..100] : old) && product.Name != clipped)
                {
                    db.AuditEntries.Add(new AuditEntry { Action = "supplier.rename", Target = product.Name, Detail = $"上游改名为「{clipped}」", UserName = "同步", CreatedAt = now, StationId = link.StationId });
                    product.Name = clipped;
                    scanner ??= await ComplianceService.ScannerAsync(db, ct);
                    if (!skipsReview.TryGetValue(product.StationId, out var skips))
                        skipsReview[product.StationId] = skips = await ComplianceService.SkipsReviewAsync(db, product.StationId, ct);
                    notices.Add(compliance.Rescan(db, product, scanner, skips));
                }
                link.UpstreamName = upstreamName.Length > 256 ? upstreamName[..256] : upstreamName;
            }
            if (problem != SupplyProblem.None)
            {
                var (kind, text) = problem switch
                {
                    SupplyProblem.CostAbovePrice => (SupplyAlertKind.CostAbovePrice, $"上游成本 {link.UpstreamPrice} 高于售价 {product.BasePrice}，已下架"),
                    SupplyProblem.OutOfStock => (SupplyAlertKind.OutOfStock, "上游无库存，已下架"),
                    SupplyProblem.Gone => (SupplyAlertKind.Gone, "上游商品已下架或不存在，已下架"),
                    _ => (SupplyAlertKind.Unreachable, $"上游无法连接，已下架：{error}"),
                };
                db.AuditEntries.Add(new AuditEntry { Action = "supplier.off_shelf", Target = product.Name, Detail = text, UserName = "同步", CreatedAt = now, StationId = link.StationId });
                raised.Add(new SupplyAlert(kind, link.StationId, product.Name, text));
            }
            else if (!onShelf && product.OnShelf)
            {
                db.AuditEntries.Add(new AuditEntry { Action = "supplier.on_shelf", Target = product.Name, Detail = "上游恢复，已重新上架", UserName = "同步", CreatedAt = now, StationId = link.StationId });
            }
            if (onShelf != product.OnShelf || price != product.BasePrice) changed++;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        foreach (var alert in raised) await alerts.RaiseAsync(alert, ct);
        compliance.Send(notices);
        return changed;
    }
}
