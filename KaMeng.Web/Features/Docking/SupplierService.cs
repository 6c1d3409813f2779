using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Catalog;
using KaMeng.Web.Features.Compliance;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Shared;
using KaMeng.Web.Features.Orders;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Docking;

/// <summary>What the import form sends: the rule as typed ("20" percent, "1.50" yuan).</summary>
public sealed record ImportRequest(int SupplierId, int UpstreamProductId, int CategoryId, MarkupKind Markup, string? Value, PriceRounding Rounding);

/// <summary>An imported product as the supplier page lists it.</summary>
public sealed record SupplyLinkView(SupplierProduct Link, string ProductName, bool OnShelf, Money SellingPrice, string SupplierName, string? BackupName,
    ProductReview Review = ProductReview.Approved, string? ReviewReason = null)
{
    /// <summary>审核状态 as the owner reads it (已驳回 and 违禁下架 with their reason).</summary>
    public string ReviewText => Product.ReviewText(Review, ReviewReason);
}

/// <summary>上游供货商: add one, test it (ping), browse its catalogue, import products with a price rule, set a backup.</summary>
public sealed class SupplierService(IDbContextFactory<KaMengDbContext> dbFactory, IDataProtectionProvider protection, SupplierClient client, OutboundGuard guard, TimeProvider clock,
    ComplianceService compliance)
{
    readonly SecretProtector secrets = new(protection, "KaMeng.Docking.SupplierSecret.v1");

    public SupplierEndpoint Endpoint(Supplier s) => new(s.BaseUrl, s.KeyId, secrets.Unprotect(s.SecretCipher));

    public async Task<(Supplier? Supplier, string? Error)> AddAsync(AuditActor actor, int stationId, string? name, string? baseUrl, string? keyId, string? secret, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return (null, "无权为该站点添加供货商");
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 64) return (null, "请填写名称（不超过 64 字）");
        if (Supplier.NormalizeBaseUrl(baseUrl) is not { } url) return (null, "地址应为 http:// 或 https:// 开头的站点地址，例如 https://up.example.com");
        if (string.IsNullOrWhiteSpace(keyId) || keyId.Trim().Length > 64) return (null, "请填写 Key ID");
        if (string.IsNullOrWhiteSpace(secret) || secret.Trim().Length > 256) return (null, "请填写 Secret");
        if (await guard.CheckUrlAsync(new Uri(url), ct) is { } refused) return (null, refused);
        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var supplier = new Supplier { StationId = stationId, Name = name.Trim(), BaseUrl = url, KeyId = keyId.Trim(), SecretCipher = secrets.Protect(secret.Trim()), CreatedAt = now };
        db.Suppliers.Add(supplier);
        db.AuditEntries.Add(actor.Entry("supplier.add", supplier.Name, url, now, stationId));
        await db.SaveChangesAsync(ct);
        return (supplier, null);
    }

    public async Task<List<Supplier>> ListAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Suppliers.AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct);
    }

    async Task<Supplier?> FindAsync(AuditActor actor, int id, CancellationToken ct)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        return await db.Suppliers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, ct);
    }

    /// <summary>测试连接: a signed ping; the answer (or why not) is recorded on the supplier.</summary>
    public async Task<(PingData? Ping, string? Error)> PingAsync(AuditActor actor, int supplierId, CancellationToken ct = default)
    {
        var supplier = await FindAsync(actor, supplierId, ct);
        if (supplier is null) return (null, "供货商不存在");
        PingData? ping = null;
        string? error = null;
        try { ping = await client.PingAsync(Endpoint(supplier), ct); }
        catch (SupplierException e) { error = e.Message; }
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        await db.Suppliers.Where(s => s.Id == supplierId).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.Reachable, error == null).SetProperty(s => s.LastError, error).SetProperty(s => s.LastCheckedAt, clock.GetUtcNow()), ct);
        return (ping, error);
    }

    /// <summary>The upstream catalogue at our price there.</summary>
    public async Task<(List<ProductData> Products, string? Error)> CatalogueAsync(AuditActor actor, int supplierId, CancellationToken ct = default)
    {
        var supplier = await FindAsync(actor, supplierId, ct);
        if (supplier is null) return ([], "供货商不存在");
        try { return (await client.ProductsAsync(Endpoint(supplier), ct), null); }
        catch (SupplierException e) { return ([], e.Message); }
    }

    /// <summary>Imports an upstream product as a local product priced by the rule; orders of it are procured upstream.</summary>
    public async Task<(int? ProductId, string? Error)> ImportAsync(AuditActor actor, ImportRequest request, CancellationToken ct = default)
    {
        var supplier = await FindAsync(actor, request.SupplierId, ct);
        if (supplier is null) return (null, "供货商不存在");
        long value;
        switch (request.Markup)
        {
            case MarkupKind.PlusPercent when Percent.TryParseBasisPoints(request.Value, 0, 1000, out var bp): value = bp; break;
            case MarkupKind.PlusPercent: return (null, "加价百分比应为 0–1000 之间、最多两位小数的数");
            case MarkupKind.PlusAmount or MarkupKind.Fixed when Money.TryParseYuan(request.Value, out var m) && !m.IsNegative: value = m.Fen; break;
            default: return (null, "金额应为不小于 0、最多两位小数的数，例如 1.50");
        }
        ProductData upstream;
        try { upstream = await client.ProductAsync(Endpoint(supplier), request.UpstreamProductId, ct); }
        catch (SupplierException e) { return (null, e.Message); }
        if (!Money.TryParseYuan(upstream.Price, out var upstreamPrice) || upstreamPrice.Fen != upstream.PriceFen) return (null, "上游价格无法识别");
        List<InputField> fields = [];
        if (upstream.DeliveryType == nameof(DeliveryType.DirectTopUp) && !TryMapInputFields(upstream.InputFields, out fields))
            return (null, "上游直充商品的充值字段无法识别（缺少字段说明或字段不合规），暂不能导入");

        var now = clock.GetUtcNow();
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        // 站点处罚: a station that may not list anything new is told until when, before anything is written.
        if (await compliance.ListingRefusalAsync(db, supplier.StationId, ct) is { } sanctioned) return (null, sanctioned);
        if (!await db.Categories.AnyAsync(c => c.Id == request.CategoryId && (c.StationId == supplier.StationId || c.StationId == Station.MainStationId), ct)) return (null, "请选择本站的商品分类");
        if (await db.SupplierProducts.AnyAsync(l => l.SupplierId == supplier.Id && l.UpstreamProductId == upstream.Id, ct)) return (null, "该上游商品已导入过");
        var link = new SupplierProduct
        {
            StationId = supplier.StationId, SupplierId = supplier.Id, UpstreamProductId = upstream.Id, Markup = request.Markup, MarkupValue = value,
            Rounding = request.Rounding, UpstreamPrice = upstreamPrice, UpstreamStock = upstream.Stock, SyncedAt = now,
        };
        var price = link.SellingPrice(upstreamPrice);
        if (price < upstreamPrice) return (null, $"售价 {price} 低于上游成本 {upstreamPrice}，会亏本");
        // Manual delivery locally (DirectTopUp with the upstream's fields, which the buyer fills here and the procurement
        // forwards): the order waits in Processing until the procurement brings the keys or the delivery back.
        var product = new Product
        {
            StationId = supplier.StationId, CategoryId = request.CategoryId, Name = upstream.Name.Length > 100 ? upstream.Name[..100] : upstream.Name,
            DescriptionMarkdown = upstream.Description, DeliveryType = fields.Count > 0 ? DeliveryType.DirectTopUp : DeliveryType.Manual, InputFields = fields,
            FaceValue = upstreamPrice, CostPrice = upstreamPrice, BasePrice = price,
            MinPerOrder = upstream.MinPerOrder ?? 1, MaxPerOrder = upstream.MaxPerOrder ?? 10, OnShelf = upstream.Stock is not 0, CreatedAt = now,
        };
        link.UpstreamName = upstream.Name.Length > 256 ? upstream.Name[..256] : upstream.Name;
        await using var tx = await db.BeginBusinessTransactionAsync(ct);
        // 商品审核: a substation's import waits for the platform (a trusted level skips it unless a term hits).
        var notice = await compliance.ReviewNewListingAsync(db, product, ct);
        db.Products.Add(product);
        await db.SaveChangesAsync(ct);
        link.ProductId = product.Id;
        if (!product.OnShelf) link.Problem = SupplyProblem.OutOfStock;
        db.SupplierProducts.Add(link);
        db.AuditEntries.Add(actor.Entry("supplier.import", product.Name, $"{supplier.Name} #{upstream.Id}，{link.DescribeRule()}", now, supplier.StationId));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        compliance.Send(notice);
        return (product.Id, null);
    }

    /// <summary>
    /// The upstream's top-up fields as local ones: same keys (the upstream validates what is forwarded under them), labels
    /// and types; a pattern the product form would refuse (<see cref="CatalogText.CheckPattern"/>) is dropped (the upstream
    /// still checks its own). False when there are none
    /// or one is unusable: such a product cannot be ordered correctly from here.
    /// </summary>
    internal static bool TryMapInputFields(IReadOnlyList<InputFieldData>? upstream, out List<InputField> fields)
    {
        fields = [];
        if (upstream is not { Count: > 0 } || upstream.Count > CatalogText.MaxInputFields) return false;
        foreach (var f in upstream)
        {
            if (f.Key is not { Length: > 0 and <= 32 } || !f.Key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
            if (string.IsNullOrWhiteSpace(f.Label) || f.Label.Length > 32 || fields.Any(x => x.Key == f.Key)) return false;
            var pattern = f.Pattern is { Length: > 0 } && CatalogText.CheckPattern(f.Pattern, f.Label) is null ? f.Pattern : null;
            fields.Add(new InputField
            {
                Key = f.Key, Label = f.Label.Trim(), Required = f.Required, Pattern = pattern,
                Type = Enum.TryParse<InputFieldType>(f.Type, ignoreCase: false, out var type) && Enum.IsDefined(type) ? type : InputFieldType.Text,
            });
        }
        return true;
    }

    /// <summary>备用供货商 (一键切换): the supplier that takes over when the primary fails. Null clears it.</summary>
    public async Task<string?> SetBackupAsync(AuditActor actor, int linkId, int? backupSupplierId, int? backupUpstreamProductId, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var link = await db.SupplierProducts.SingleOrDefaultAsync(l => l.Id == linkId, ct);
        if (link is null) return "导入商品不存在";
        if (backupSupplierId is { } b)
        {
            if (b == link.SupplierId) return "备用供货商不能与主供货商相同";
            if (!await db.Suppliers.AnyAsync(s => s.Id == b && s.StationId == link.StationId, ct)) return "备用供货商不存在";
            if (backupUpstreamProductId is not > 0) return "请填写备用供货商的商品 ID";
        }
        link.BackupSupplierId = backupSupplierId;
        link.BackupUpstreamProductId = backupSupplierId is null ? null : backupUpstreamProductId;
        db.AuditEntries.Add(actor.Entry("supplier.backup", $"#{link.ProductId}", backupSupplierId is null ? "清除" : $"供货商 #{backupSupplierId} 商品 #{backupUpstreamProductId}", clock.GetUtcNow(), link.StationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>一键切换: the backup becomes the primary and the primary the backup (new orders go to the new primary).</summary>
    public async Task<string?> SwapAsync(AuditActor actor, int linkId, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var link = await db.SupplierProducts.SingleOrDefaultAsync(l => l.Id == linkId, ct);
        if (link is null) return "导入商品不存在";
        if (link.BackupSupplierId is not { } backup || link.BackupUpstreamProductId is not { } backupProduct) return "该商品没有备用供货商";
        (link.SupplierId, link.UpstreamProductId, link.BackupSupplierId, link.BackupUpstreamProductId) = (backup, backupProduct, link.SupplierId, link.UpstreamProductId);
        db.AuditEntries.Add(actor.Entry("supplier.switch", $"#{link.ProductId}", $"切换到供货商 #{backup} 商品 #{backupProduct}", clock.GetUtcNow(), link.StationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<List<SupplyLinkView>> LinksAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var rows = await (from l in db.SupplierProducts.AsNoTracking()
                          join p in db.Products on l.ProductId equals p.Id
                          join s in db.Suppliers on l.SupplierId equals s.Id
                          orderby l.Id descending
                          select new { l, p.Name, p.OnShelf, p.BasePrice, Supplier = s.Name, Backup = db.Suppliers.Where(b => b.Id == l.BackupSupplierId).Select(b => b.Name).FirstOrDefault(), p.Review, p.ReviewReason })
            .Take(500).ToListAsync(ct);
        return rows.Select(r => new SupplyLinkView(r.l, r.Name, r.OnShelf, r.BasePrice, r.Supplier, r.Backup, r.Review, r.ReviewReason)).ToList();
    }
}
