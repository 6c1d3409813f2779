using System.Linq.Expressions;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Shared;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Catalog;

/// <summary>One row of the product grid. Stock is counted from the card keys in the same query, never stored.</summary>
public sealed class ProductRow
{
    public int Id { get; init; }
    public string Name { get; init; } = "";
    public int CategoryId { get; init; }
    public string CategoryName { get; init; } = "";
    public DeliveryType DeliveryType { get; init; }
    public bool ReusableKey { get; init; }
    public Money BasePrice { get; init; }
    public Money CostPrice { get; init; }
    public bool OnShelf { get; init; }
    public DateTimeOffset? ShelfFrom { get; init; }
    public DateTimeOffset? ShelfUntil { get; init; }
    public int SortOrder { get; init; }
    public string? Tags { get; init; }
    public string? ImagePath { get; init; }
    public int LowStockThreshold { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Card keys of this product with status Available.</summary>
    public int AvailableKeys { get; init; }

    /// <summary>库存 as the admin reads it: a count for card keys, 循环 for a reusable key in stock, — where stock means nothing.</summary>
    public string StockText => DeliveryType switch
    {
        DeliveryType.CardKey when ReusableKey => AvailableKeys > 0 ? "循环" : "0",
        DeliveryType.CardKey => AvailableKeys.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "—",
    };

    public bool LowStock => AvailableKeys < Product.LowStockLine(DeliveryType, ReusableKey, LowStockThreshold);

    public string DeliveryTypeName => DisplayNames.Of(DeliveryType);

    public string StatusText(DateTimeOffset now) =>
        !OnShelf ? "已下架"
        : ShelfFrom is { } from && now < from ? "待上架"
        : ShelfUntil is { } until && now >= until ? "已过期"
        : "上架中";
}

/// <summary>What the product grid sorts by.</summary>
public enum ProductSortField
{
    /// <summary>The default: newest first (by id).</summary>
    Newest,
    Name,
    Category,
    DeliveryType,
    BasePrice,
    CostPrice,
    Stock,
    OnShelf,
    SortOrder,
    CreatedAt,
}

/// <summary>One page of the product grid: paging (Page from 0), one sort, and the filters. The service's own type: no UI library's.</summary>
public sealed record ProductQuery
{
    public int Page { get; init; }
    public int PageSize { get; init; } = 20;
    public ProductSortField SortBy { get; init; } = ProductSortField.Newest;
    public bool Descending { get; init; }
    /// <summary>Words in the name (搜索), each must occur, case-insensitive.</summary>
    public string? NameContains { get; init; }
    /// <summary>Text in the category's name.</summary>
    public string? CategoryNameContains { get; init; }
    /// <summary>This category and its sub-categories.</summary>
    public int? CategoryId { get; init; }
    public DeliveryType? DeliveryType { get; init; }
    public bool? OnShelf { get; init; }
}

/// <summary>The rows of one page and how many rows match in all.</summary>
public sealed record ProductPage(IReadOnlyList<ProductRow> Items, int TotalCount);

/// <summary>商品 of one station: the grid, the form and batch actions. Every change is one transaction with its audit entries.</summary>
/// <remarks><paramref name="compliance"/> scans names and descriptions against the 违禁词 (issue 21); optional for narrow tests.</remarks>
public sealed class ProductService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock, global::KaMeng.Web.Features.Compliance.ComplianceService? compliance = null)
{
    public static readonly int[] PageSizes = [20, 50, 100, 200];

    // ---------------------------------------------------------------- grid

    public async Task<ProductPage> QueryAsync(int stationId, ProductQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = db.Products.AsNoTracking().Where(p => p.StationId == stationId && !p.Deleted);

        if (!string.IsNullOrWhiteSpace(query.NameContains))
            foreach (var word in query.NameContains.Split([' ', '　'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(5))
            {
                var w = word.ToLower();
                products = products.Where(p => p.Name.ToLower().Contains(w));
            }
        if (query.CategoryId is { } categoryId)
        {
            var ids = await CategoryAndDescendantsAsync(db, stationId, categoryId, ct);
            products = products.Where(p => ids.Contains(p.CategoryId));
        }
        if (query.DeliveryType is { } type) products = products.Where(p => p.DeliveryType == type);
        if (query.OnShelf is { } onShelf) products = products.Where(p => p.OnShelf == onShelf);
        if (!string.IsNullOrWhiteSpace(query.CategoryNameContains))
        {
            var c = query.CategoryNameContains.Trim().ToLower();
            products = products.Where(p => p.Category!.Name.ToLower().Contains(c));
        }

        var count = await products.CountAsync(ct);
        var ordered = Sort(db, products, query.SortBy, query.Descending);
        var take = Math.Clamp(query.PageSize, 1, PageSizes[^1]);
        var skip = (long)Math.Max(0, query.Page) * take;
        var rows = await ordered.Skip((int)Math.Min(skip, int.MaxValue)).Take(take).Select(p => new ProductRow
        {
            Id = p.Id, Name = p.Name, CategoryId = p.CategoryId, CategoryName = p.Category!.Name, DeliveryType = p.DeliveryType,
            ReusableKey = p.ReusableKey, BasePrice = p.BasePrice, CostPrice = p.CostPrice, OnShelf = p.OnShelf,
            ShelfFrom = p.ShelfFrom, ShelfUntil = p.ShelfUntil, SortOrder = p.SortOrder, Tags = p.Tags, ImagePath = p.ImagePath,
            LowStockThreshold = p.LowStockThreshold, CreatedAt = p.CreatedAt,
            AvailableKeys = db.CardKeys.Count(k => k.ProductId == p.Id && k.Status == CardKeyStatus.Available),
        }).ToListAsync(ct);
        return new ProductPage(rows, count);
    }

    static async Task<List<int>> CategoryAndDescendantsAsync(KaMengDbContext db, int stationId, int categoryId, CancellationToken ct)
    {
        var all = await db.Categories.AsNoTracking().Where(c => c.StationId == stationId).Select(c => new { c.Id, c.ParentId }).ToListAsync(ct);
        var result = new List<int>();
        var queue = new Queue<int>([categoryId]);
        while (queue.Count > 0 && result.Count <= all.Count)
        {
            var id = queue.Dequeue();
            if (result.Contains(id) || all.All(c => c.Id != id)) continue;
            result.Add(id);
            foreach (var child in all.Where(c => c.ParentId == id)) queue.Enqueue(child.Id);
        }
        return result;
    }

    static IQueryable<Product> Sort(KaMengDbContext db, IQueryable<Product> products, ProductSortField field, bool descending)
    {
        IOrderedQueryable<Product>? ordered = field switch
        {
            ProductSortField.Name => Order(products, p => p.Name, descending),
            ProductSortField.Category => Order(products, p => p.Category!.Name, descending),
            ProductSortField.DeliveryType => Order(products, p => p.DeliveryType, descending),
            ProductSortField.BasePrice => Order(products, p => p.BasePrice, descending),
            ProductSortField.CostPrice => Order(products, p => p.CostPrice, descending),
            ProductSortField.OnShelf => Order(products, p => p.OnShelf, descending),
            ProductSortField.SortOrder => Order(products, p => p.SortOrder, descending),
            ProductSortField.CreatedAt => Order(products, p => p.CreatedAt, descending),
            ProductSortField.Stock => Order(products, p => db.CardKeys.Count(k => k.ProductId == p.Id && k.Status == CardKeyStatus.Available), descending),
            _ => null,
        };
        // Newest first by default; the id always breaks ties so pages never overlap.
        return ordered is null ? products.OrderByDescending(p => p.Id) : ordered.ThenByDescending(p => p.Id);
    }

    static IOrderedQueryable<Product> Order<TKey>(IQueryable<Product> products, Expression<Func<Product, TKey>> key, bool descending) =>
        descending ? products.OrderByDescending(key) : products.OrderBy(key);

    // ---------------------------------------------------------------- batch actions

    /// <summary>上架 / 下架 for the chosen products of the station (deleted ones are left alone). Returns how many changed.</summary>
    public async Task<CatalogResult> SetOnShelfAsync(int stationId, IReadOnlyCollection<int> ids, bool onShelf, AdminActor actor, CancellationToken ct = default)
    {
        if (ids.Count == 0) return CatalogResult.Refused("请先勾选商品");
        if (ids.Count > PageSizes[^1]) return CatalogResult.Refused($"一次最多处理 {PageSizes[^1]} 个商品");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = await db.Products.Where(p => p.StationId == stationId && !p.Deleted && ids.Contains(p.Id)).ToListAsync(ct);
        var now = clock.GetUtcNow();
        var changed = 0;
        foreach (var product in products.Where(p => p.OnShelf != onShelf))
        {
            product.OnShelf = onShelf;
            db.AuditEntries.Add(Audit(stationId, actor, onShelf ? "product.shelf.on" : "product.shelf.off", product.Id, $"批量{(onShelf ? "上架" : "下架")}：{product.Name}", now));
            changed++;
        }
        if (changed > 0) await db.SaveChangesAsync(ct);
        return CatalogResult.Ok(changed);
    }

    /// <summary>Soft delete (Deleted = true): orders and card keys still point at the product.</summary>
    public async Task<CatalogResult> DeleteAsync(int stationId, IReadOnlyCollection<int> ids, AdminActor actor, CancellationToken ct = default)
    {
        if (ids.Count == 0) return CatalogResult.Refused("请先勾选商品");
        if (ids.Count > PageSizes[^1]) return CatalogResult.Refused($"一次最多处理 {PageSizes[^1]} 个商品");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = await db.Products.Where(p => p.StationId == stationId && !p.Deleted && ids.Contains(p.Id)).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var product in products)
        {
            product.Deleted = true;
            product.OnShelf = false;
            db.AuditEntries.Add(Audit(stationId, actor, "product.delete", product.Id, $"删除商品：{product.Name}", now));
        }
        if (products.Count > 0) await db.SaveChangesAsync(ct);
        return CatalogResult.Ok(products.Count);
    }

    // ---------------------------------------------------------------- form

    public async Task<ProductForm?> GetFormAsync(int stationId, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var p = await db.Products.AsNoTracking().SingleOrDefaultAsync(p => p.StationId == stationId && p.Id == id && !p.Deleted, ct);
        if (p is null) return null;
        var tags = p.TagList.ToList();
        return new ProductForm
        {
            Id = p.Id, Name = p.Name, CategoryId = p.CategoryId, DeliveryType = p.DeliveryType,
            FaceValue = p.FaceValue.ToDecimalString(), CostPrice = p.CostPrice.ToDecimalString(), BasePrice = p.BasePrice.ToDecimalString(),
            MinPerOrder = p.MinPerOrder, MaxPerOrder = p.MaxPerOrder, PerBuyerLimit = p.PerBuyerLimit, OnShelf = p.OnShelf,
            ShelfFrom = BusinessTime.ToBusinessDateTime(p.ShelfFrom), ShelfUntil = BusinessTime.ToBusinessDateTime(p.ShelfUntil),
            LowStockThreshold = p.LowStockThreshold, TagHot = tags.Contains(CatalogText.Hot), TagRecommended = tags.Contains(CatalogText.Recommended),
            OtherTags = string.Join(",", tags.Where(t => t is not CatalogText.Hot and not CatalogText.Recommended)),
            SortOrder = p.SortOrder, ReusableKey = p.ReusableKey, DescriptionMarkdown = p.DescriptionMarkdown, PurchaseNotice = p.PurchaseNotice, ImagePath = p.ImagePath,
            InputFields = p.InputFields.Select(f => new InputFieldForm { Key = f.Key, Label = f.Label, Type = f.Type, Required = f.Required, Pattern = f.Pattern }).ToList(),
        };
    }

    /// <summary>Creates or updates a product from the form. Any bad input refuses the whole save with Chinese messages and writes nothing.</summary>
    public async Task<CatalogResult> SaveAsync(int stationId, ProductForm form, AdminActor actor, CancellationToken ct = default)
    {
        var errors = new FormErrors();
        var values = Validate(form, errors);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        Product? product = null;
        if (form.Id is { } id)
        {
            product = await db.Products.SingleOrDefaultAsync(p => p.StationId == stationId && p.Id == id && !p.Deleted, ct);
            if (product is null) return CatalogResult.Refused("商品不存在或已被删除");
        }
        if (form.CategoryId is { } categoryId && !await db.Categories.AnyAsync(c => c.StationId == stationId && c.Id == categoryId, ct))
            errors.Add(nameof(ProductForm.CategoryId), "所选分类不存在，请重新选择");
        if (product is not null && product.DeliveryType == DeliveryType.CardKey && form.DeliveryType != DeliveryType.CardKey
            && await db.CardKeys.AnyAsync(k => k.ProductId == product.Id, ct))
            errors.Add(nameof(ProductForm.DeliveryType), "该商品已有卡密记录，不能改为其他发货方式；请新建商品");
        if (errors.Count > 0 || values is null) return CatalogResult.Refused(errors.Messages);

        var now = clock.GetUtcNow();
        var created = product is null;
        product ??= db.Products.Add(new Product { StationId = stationId, Name = values.Name, CreatedAt = now }).Entity;
        product.Name = values.Name;
        product.CategoryId = form.CategoryId!.Value;
        product.DeliveryType = form.DeliveryType;
        product.FaceValue = values.FaceValue;
        product.CostPrice = values.CostPrice;
        product.BasePrice = values.BasePrice;
        product.MinPerOrder = form.MinPerOrder;
        product.MaxPerOrder = form.MaxPerOrder;
        product.PerBuyerLimit = form.PerBuyerLimit;
        product.OnShelf = form.OnShelf;
        product.ShelfFrom = values.ShelfFrom;
        product.ShelfUntil = values.ShelfUntil;
        product.LowStockThreshold = form.LowStockThreshold;
        product.Tags = values.Tags;
        product.SortOrder = form.SortOrder;
        product.ReusableKey = form.DeliveryType == DeliveryType.CardKey && form.ReusableKey;
        product.DescriptionMarkdown = values.Description;
        product.PurchaseNotice = values.Notice;
        product.ImagePath = values.ImagePath;
        var fieldsChanged = !SameFields(product.InputFields, values.InputFields);
        if (fieldsChanged) product.InputFields = values.InputFields;
        // 违禁词: a new product is reviewed (the platform's own skips the queue unless a term hits); a changed text is rescanned.
        global::KaMeng.Web.Features.Compliance.ComplianceNotice? notice = null;
        if (compliance is not null)
        {
            if (created) notice = await compliance.ReviewNewListingAsync(db, product, ct);
            else if (db.Entry(product).Property(p => p.Name).IsModified || db.Entry(product).Property(p => p.DescriptionMarkdown).IsModified)
                notice = await compliance.RescanAsync(db, product, ct);
        }

        if (created)
        {
            // The new id is known only after the insert: product and audit entry share one transaction.
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            db.AuditEntries.Add(Audit(stationId, actor, "product.create", product.Id,
                $"新建商品：{product.Name}（{DisplayNames.Of(product.DeliveryType)}，售价 {product.BasePrice}，成本 {product.CostPrice}）", now));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        else
        {
            var changes = Describe(db.Entry(product), fieldsChanged);
            if (changes.Length == 0) return CatalogResult.Ok(product.Id);
            db.AuditEntries.Add(Audit(stationId, actor, "product.update", product.Id, $"修改商品：{product.Name}；{changes}", now));
            await db.SaveChangesAsync(ct);
        }
        compliance?.Send(notice);
        return CatalogResult.Ok(product.Id);
    }

    /// <summary>
    /// The form's own checks (no database): each problem with the form field it belongs to (a property name of
    /// <see cref="ProductForm"/>, or "InputFields[i]"), so the page shows it next to the field while it lasts.
    /// </summary>
    public static IReadOnlyList<ProductFormError> Check(ProductForm form)
    {
        var errors = new FormErrors();
        Validate(form, errors);
        return errors;
    }

    sealed class FormErrors : List<ProductFormError>
    {
        public void Add(string field, string message) => Add(new ProductFormError(field, message));
        public List<string> Messages => this.Select(e => e.Message).ToList();
    }

    sealed record ValidValues(string Name, Money FaceValue, Money CostPrice, Money BasePrice, DateTimeOffset? ShelfFrom, DateTimeOffset? ShelfUntil,
        string? Tags, string? Description, string? Notice, string? ImagePath, List<InputField> InputFields);

    /// <summary>Checks every field; adds a Chinese message per problem. Returns the parsed values when there is none.</summary>
    static ValidValues? Validate(ProductForm form, FormErrors errors)
    {
        var name = form.Name?.Trim() ?? "";
        if (name.Length == 0) errors.Add(nameof(ProductForm.Name), "请填写商品名称");
        else if (name.Length > 128) errors.Add(nameof(ProductForm.Name), "商品名称不能超过 128 个字");
        if (form.CategoryId is null) errors.Add(nameof(ProductForm.CategoryId), "请选择分类");
        if (!Enum.IsDefined(form.DeliveryType)) errors.Add(nameof(ProductForm.DeliveryType), "请选择发货方式");

        var face = Price(form.FaceValue, nameof(ProductForm.FaceValue), "面值", errors, allowEmpty: true);
        var cost = Price(form.CostPrice, nameof(ProductForm.CostPrice), "成本价", errors, allowEmpty: true);
        var price = Price(form.BasePrice, nameof(ProductForm.BasePrice), "售价", errors, allowEmpty: false);
        if (price is { } p && p.Fen == 0) errors.Add(nameof(ProductForm.BasePrice), "售价必须大于 0");
        if (price is { } bp && cost is { } cp && bp < cp) errors.Add(nameof(ProductForm.BasePrice), $"售价 {bp} 低于成本价 {cp}，会亏本出售，请调整售价");

        if (form.MinPerOrder < 1) errors.Add(nameof(ProductForm.MinPerOrder), "单次最少购买数量至少为 1");
        if (form.MaxPerOrder > CatalogText.MaxPerOrderLimit) errors.Add(nameof(ProductForm.MaxPerOrder), $"单次最多购买数量不能超过 {CatalogText.MaxPerOrderLimit}");
        if (form.MinPerOrder > form.MaxPerOrder) errors.Add(nameof(ProductForm.MinPerOrder), "单次最少购买数量不能大于最多购买数量");
        if (form.PerBuyerLimit < 0) errors.Add(nameof(ProductForm.PerBuyerLimit), "每人限购不能为负数（0 表示不限）");
        else if (form.PerBuyerLimit > 0 && form.PerBuyerLimit < form.MinPerOrder) errors.Add(nameof(ProductForm.PerBuyerLimit), "每人限购不能少于单次最少购买数量");
        if (form.LowStockThreshold < 0) errors.Add(nameof(ProductForm.LowStockThreshold), "库存预警值不能为负数");

        var from = BusinessTime.FromBusiness(form.ShelfFrom);
        var until = BusinessTime.FromBusiness(form.ShelfUntil);
        if (from is not null && until is not null && from >= until) errors.Add(nameof(ProductForm.ShelfUntil), "定时下架时间必须晚于定时上架时间");

        var tags = new List<string>();
        if (form.TagHot) tags.Add(CatalogText.Hot);
        if (form.TagRecommended) tags.Add(CatalogText.Recommended);
        foreach (var tag in (form.OtherTags ?? "").Split([',', '，', ' ', '　', '、'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (tag.Length > 16) { errors.Add(nameof(ProductForm.OtherTags), $"标签「{tag[..16]}…」太长（每个标签最多 16 个字）"); continue; }
            if (!tags.Contains(tag)) tags.Add(tag);
        }
        var tagText = tags.Count == 0 ? null : string.Join(",", tags);
        if (tagText is { Length: > 128 }) errors.Add(nameof(ProductForm.OtherTags), "标签总长度不能超过 128 个字");

        if (form.ReusableKey && form.DeliveryType != DeliveryType.CardKey) errors.Add(nameof(ProductForm.ReusableKey), "循环卡密只适用于卡密商品");

        var fields = new List<InputField>();
        if (form.DeliveryType == DeliveryType.DirectTopUp)
        {
            if (form.InputFields.Count == 0) errors.Add(nameof(ProductForm.InputFields), "直充商品至少需要一个买家输入项（如充值账号、手机号）");
            if (form.InputFields.Count > CatalogText.MaxInputFields) errors.Add(nameof(ProductForm.InputFields), $"买家输入项最多 {CatalogText.MaxInputFields} 个");
            var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var n = 0;
            foreach (var f in form.InputFields)
            {
                n++;
                var key = f.Key?.Trim() ?? "";
                var label = f.Label?.Trim() ?? "";
                var shown = label.Length > 0 ? label : $"第 {n} 项";
                if (label.Length == 0) errors.Add($"InputFields[{n - 1}]", $"买家输入项第 {n} 项：请填写显示名称");
                else if (label.Length > 32) errors.Add($"InputFields[{n - 1}]", $"输入项「{shown}」的显示名称不能超过 32 个字");
                if (key.Length == 0) errors.Add($"InputFields[{n - 1}]", $"输入项「{shown}」：请填写字段标识");
                else if (key.Length > 32 || !char.IsAsciiLetter(key[0]) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    errors.Add($"InputFields[{n - 1}]", $"输入项「{shown}」的字段标识只能用英文字母开头，包含字母、数字和下划线（最多 32 个）");
                else if (!keys.Add(key)) errors.Add($"InputFields[{n - 1}]", $"字段标识「{key}」重复");
                if (!Enum.IsDefined(f.Type)) errors.Add($"InputFields[{n - 1}]", $"输入项「{shown}」的类型无效");
                var pattern = string.IsNullOrWhiteSpace(f.Pattern) ? null : f.Pattern.Trim();
                if (pattern is not null && CatalogText.CheckPattern(pattern, shown) is { } patternError) errors.Add($"InputFields[{n - 1}]", patternError);
                fields.Add(new InputField { Key = key, Label = label, Type = f.Type, Required = f.Required, Pattern = pattern });
            }
        }

        var description = string.IsNullOrWhiteSpace(form.DescriptionMarkdown) ? null : form.DescriptionMarkdown.Trim();
        if (description is { Length: > 20000 }) errors.Add(nameof(ProductForm.DescriptionMarkdown), "商品描述不能超过 20000 个字符");
        var notice = string.IsNullOrWhiteSpace(form.PurchaseNotice) ? null : form.PurchaseNotice.Trim();
        if (notice is { Length: > Product.PurchaseNoticeMaxLength })
            errors.Add(nameof(ProductForm.PurchaseNotice), $"购买须知不能超过 {Product.PurchaseNoticeMaxLength} 个字符");
        var image = string.IsNullOrWhiteSpace(form.ImagePath) ? null : form.ImagePath;
        if (image is not null && !UploadStore.IsStoredImagePath(image, ProductImages.Folder)) errors.Add(nameof(ProductForm.ImagePath), "商品图片无效，请重新上传");

        return errors.Count > 0 ? null
            : new ValidValues(name, face!.Value, cost!.Value, price!.Value, from, until, tagText, description, notice, image, fields);
    }

    static Money? Price(string? text, string field, string label, FormErrors errors, bool allowEmpty)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (allowEmpty) return Money.Zero;
            errors.Add(field, $"请填写{label}（元），例如 9.90");
            return null;
        }
        if (!Money.TryParseYuan(text, out var money))
        {
            errors.Add(field, $"{label}「{text.Trim()}」不是有效金额，请填写元，最多两位小数，例如 9.90");
            return null;
        }
        if (money.IsNegative) { errors.Add(field, $"{label}不能为负数"); return null; }
        if (money.Fen > 100_000_000_00) { errors.Add(field, $"{label}不能超过 ¥100000000.00"); return null; }
        return money;
    }

    static bool SameFields(List<InputField> a, List<InputField> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Key == p.Second.Key && p.First.Label == p.Second.Label
            && p.First.Type == p.Second.Type && p.First.Required == p.Second.Required && p.First.Pattern == p.Second.Pattern);

    /// <summary>"名称：a → b；售价：¥1.00 → ¥2.00 …" for the audit log.</summary>
    static string Describe(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<Product> entry, bool fieldsChanged)
    {
        static string Short(object? v) => v switch
        {
            null => "空",
            string s => s.Length > 40 ? s[..40] + "…" : s,
            _ => v.ToString() ?? "",
        };
        var parts = entry.Properties.Where(p => p.IsModified && !Equals(p.OriginalValue, p.CurrentValue))
            .Select(p => p.Metadata.Name == nameof(Product.DescriptionMarkdown) ? "描述已修改" : $"{p.Metadata.Name}：{Short(p.OriginalValue)} → {Short(p.CurrentValue)}")
            .ToList();
        if (fieldsChanged) parts.Add("买家输入项已修改");
        var text = string.Join("；", parts.Distinct());
        return text.Length > 1800 ? text[..1800] + "…" : text;
    }

    static AuditEntry Audit(int stationId, AdminActor actor, string action, int id, string detail, DateTimeOffset now) => new()
    {
        StationId = stationId, UserId = actor.UserId, UserName = actor.UserName, Action = action,
        Target = $"product:{id}", Detail = detail.Length > 2000 ? detail[..2000] : detail, CreatedAt = now,
    };
}
