using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Storefront;

/// <summary>A product as a storefront list shows it. <see cref="Stock"/> is null where stock is not counted (top-ups, manual, reusable keys in stock).
/// <see cref="WasPrice"/> is the station's price when a promotion (flash sale, member price) lowers it.</summary>
public sealed record ProductCard(int Id, string Name, int CategoryId, Money Price, int? Stock, DeliveryType Type, IReadOnlyList<string> Tags, string? ImagePath,
    Money? WasPrice = null, string? FlashTitle = null, IReadOnlyList<TierPrice>? Wholesale = null, DateTimeOffset? FlashEndsAt = null)
{
    public bool SoldOut => Stock == 0;
}

/// <summary>A wholesale row as a buyer reads it: from <see cref="MinQuantity"/> pieces each costs <see cref="Unit"/> (this buyer's
/// price, floors and member price applied, as checkout charges).</summary>
public sealed record TierPrice(int MinQuantity, Money Unit);

/// <summary>A product page: the product as this station presents it, its quote along the chain (without member discount),
/// its stock, and the station's pricing to price any quantity (flash, member, wholesale, coupon) as checkout will.</summary>
public sealed record ProductDetail(Product Product, string Name, string? DescriptionMarkdown, PriceQuote Quote, int? Stock, BuyerTerms Terms,
    StationPricing Pricing, DateTimeOffset QuotedAt)
{
    /// <summary>The order line for <paramref name="quantity"/> pieces with every promotion, as checkout prices it.</summary>
    /// <exception cref="CouponRefusedException">The coupon cannot be used on this line.</exception>
    public PromotedPrice PriceOf(int quantity, CouponOffer? coupon = null) => Pricing.Promote(Product, Math.Max(quantity, 1), Terms, QuotedAt, coupon);

    /// <summary>The unit price of one piece for the buyer it was quoted for.</summary>
    public Money Price => PriceOf(1).Unit;

    /// <summary>The station's own price before promotions (shown struck through when a promotion lowers it).</summary>
    public Money ListPrice => Quote.Price;

    /// <summary>What <paramref name="quantity"/> cost without a coupon (the order's total as checkout computes it: wholesale tiers by quantity).</summary>
    public Money TotalFor(int quantity) => quantity <= 0 ? Money.Zero : PriceOf(quantity).Total;

    /// <summary>The flash sale running now (its price applies to this buyer unless it needs a sign-in they lack), or null.</summary>
    public FlashSale? Flash => Pricing.FlashFor(Product.Id, QuotedAt);

    /// <summary>The next flash sale of the product, not started yet.</summary>
    public FlashSale? UpcomingFlash => Pricing.UpcomingFlashFor(Product.Id, QuotedAt);

    public IReadOnlyList<WholesaleOffer> Tiers => Pricing.TiersFor(Product.Id);

    /// <summary>The unit price from each tier's minimum on (the unit depends on the quantity only through the tier reached).</summary>
    public IReadOnlyList<TierPrice> TierPrices => [.. Tiers.Select(t => new TierPrice(t.MinQuantity, PriceOf(t.MinQuantity).Unit))];

    /// <summary>购买须知 and the description: the product's own notice when it has one, else the section of the description
    /// under a 购买须知 heading (see <see cref="PurchaseNotice.Split"/>; products written before the field existed).</summary>
    public (string? Notice, string? Description) NoticeAndDescription =>
        Product.PurchaseNotice is { Length: > 0 } own ? (own, DescriptionMarkdown) : PurchaseNotice.Split(DescriptionMarkdown);
}

/// <summary>
/// 购买须知 written inside a description: the section of the description (Markdown) under a heading "购买须知" (any level,
/// up to the next heading of that level or higher). A product's own <see cref="Product.PurchaseNotice"/> comes first.
/// </summary>
public static class PurchaseNotice
{
    public const string Heading = "购买须知";

    public static (string? Notice, string? Description) Split(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return (null, markdown);
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        int start = -1, level = 0;
        for (var i = 0; i < lines.Length && start < 0; i++)
            if (HeadingLevel(lines[i]) is > 0 and var found && lines[i].TrimStart('#').Trim().TrimEnd(':', '：') == Heading) (start, level) = (i, found);
        if (start < 0) return (null, markdown);
        var end = start + 1;
        while (end < lines.Length && !(HeadingLevel(lines[end]) is > 0 and var next && next <= level)) end++;
        var notice = string.Join('\n', lines[(start + 1)..end]).Trim();
        var rest = string.Join('\n', lines[..start].Concat(lines[end..])).Trim();
        return (notice.Length == 0 ? null : notice, rest.Length == 0 ? null : rest);
    }

    static int HeadingLevel(string line)
    {
        var n = 0;
        while (n < line.Length && line[n] == '#') n++;
        return n is >= 1 and <= 6 && n < line.Length && line[n] == ' ' ? n : 0;
    }
}

/// <summary>What buyers see of a station's catalogue: on-sale products not hidden by the station, with the station's
/// names and order, prices from the one resolver, and stock derived from the keys.</summary>
public sealed class StorefrontCatalog(IDbContextFactory<KaMengDbContext> dbFactory, PriceResolver prices, TimeProvider clock)
{
    public async Task<List<Category>> CategoriesAsync(StationInfo station, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Categories.AsNoTracking()
            .Where(c => c.Visible && (c.StationId == Station.MainStationId || c.StationId == station.Id))
            .OrderBy(c => c.SortOrder).ThenBy(c => c.Id).ToListAsync(ct);
    }

    /// <param name="buyerUserId">Quote this buyer's own price (member discount, self-dealing at cost), as checkout charges it.</param>
    public async Task<List<ProductCard>> ProductsAsync(StationInfo station, int? categoryId = null, CancellationToken ct = default, string? buyerUserId = null)
    {
        var now = clock.GetUtcNow();
        if (ListingHidden(station, now)) return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Products.AsNoTracking().Where(p => !p.Deleted && p.OnShelf && p.Review == ProductReview.Approved
            && (p.StationId == Station.MainStationId || p.StationId == station.Id));
        if (categoryId is not null) query = query.Where(p => p.CategoryId == categoryId);
        var overrides = await OverridesAsync(db, station, ct);
        var products = (await query.ToListAsync(ct))
            .Where(p => p.IsOnSale(now) && !(overrides.GetValueOrDefault(p.Id)?.Hidden ?? false))
            .OrderBy(p => overrides.GetValueOrDefault(p.Id)?.SortOrder ?? p.SortOrder).ThenBy(p => p.Id).ToList();
        var stock = await StockLevels.AvailableAsync(db, products.Where(p => p.DeliveryType == DeliveryType.CardKey).Select(p => p.Id).ToList(), ct);
        var pricing = await prices.ForStationAsync(station.Id);
        var terms = await prices.TermsForAsync(db, station, buyerUserId, ct);
        return products.Select(p =>
        {
            var o = overrides.GetValueOrDefault(p.Id);
            var tags = p.TagList.ToList();
            if (o?.Recommended == true && !tags.Contains("推荐")) tags.Insert(0, "推荐");
            var price = pricing.Promote(p, 1, terms, now);
            var tiers = pricing.TiersFor(p.Id);
            return new ProductCard(p.Id, o?.Name ?? p.Name, p.CategoryId, price.Unit, StockOf(p, stock), p.DeliveryType, tags, p.ImagePath,
                price.Unit < price.ListUnit ? price.ListUnit : null, price.Flash?.Title,
                tiers.Count == 0 ? null : [.. tiers.Select(t => new TierPrice(t.MinQuantity, pricing.Promote(p, t.MinQuantity, terms, now).Unit))],
                price.Flash is null ? null : pricing.FlashFor(p.Id, now)?.EndsAt);
        }).ToList();
    }

    /// <summary>
    /// 搜索: the station's listed products (so hidden products and the station's own names and prices hold) whose name, tag
    /// or category name contains the words, all of them, ignoring case.
    /// </summary>
    public async Task<List<ProductCard>> SearchAsync(StationInfo station, string? query, CancellationToken ct = default)
    {
        var words = (query ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return [];
        var categories = (await CategoriesAsync(station, ct)).ToDictionary(c => c.Id, c => c.Name);
        return (await ProductsAsync(station, ct: ct)).Where(p => words.All(w =>
            p.Name.Contains(w, StringComparison.OrdinalIgnoreCase)
            || p.Tags.Any(t => t.Contains(w, StringComparison.OrdinalIgnoreCase))
            || (categories.GetValueOrDefault(p.CategoryId)?.Contains(w, StringComparison.OrdinalIgnoreCase) ?? false))).ToList();
    }

    public async Task<ProductDetail?> ProductAsync(StationInfo station, int id, CancellationToken ct = default, string? buyerUserId = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var product = await db.Products.AsNoTracking().Include(p => p.Category).SingleOrDefaultAsync(p => p.Id == id && !p.Deleted, ct);
        // Not visible at all while under review (待审核, 已驳回, 违禁下架) or while the station's listing is hidden.
        if (product is null || !PriceResolver.IsVisibleTo(station, product) || !product.IsReviewApproved || ListingHidden(station, clock.GetUtcNow())) return null;
        var o = await db.StationProducts.AsNoTracking().SingleOrDefaultAsync(x => x.StationId == station.Id && x.ProductId == id, ct);
        if (o?.Hidden == true) return null;
        var stock = product.DeliveryType == DeliveryType.CardKey ? await StockLevels.AvailableAsync(db, [product.Id], ct) : [];
        var terms = await prices.TermsForAsync(db, station, buyerUserId, ct);
        var pricing = await prices.ForStationAsync(station.Id);
        return new ProductDetail(product, o?.Name ?? product.Name, o?.DescriptionMarkdown ?? product.DescriptionMarkdown, pricing.Quote(product), StockOf(product, stock), terms,
            pricing, clock.GetUtcNow());
    }

    /// <summary>The product's flash sale running now at the station as the database holds it this moment (the pricing context
    /// keeps the sale as last loaded): its live 已抢 count, and a sale already sold out, which pricing no longer offers.</summary>
    public async Task<FlashSale?> RunningFlashAsync(StationInfo station, int productId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        return await db.FlashSales.AsNoTracking()
            .Where(f => f.StationId == station.Id && f.ProductId == productId && !f.Paused && f.StartsAt <= now && f.EndsAt > now)
            .OrderBy(f => f.StartsAt).FirstOrDefaultAsync(ct);
    }

    /// <summary>A listing-only suspension before its end, a 隐藏商品 or a 关站 sanction: the storefront shows no products.</summary>
    static bool ListingHidden(StationInfo station, DateTimeOffset now) =>
        station.IsListingHiddenAt(now) || station.ActiveSanction(SanctionKind.Closed, now) is not null;

    static async Task<Dictionary<int, StationProduct>> OverridesAsync(KaMengDbContext db, StationInfo station, CancellationToken ct) =>
        station.IsMain ? [] : await db.StationProducts.AsNoTracking().Where(x => x.StationId == station.Id).ToDictionaryAsync(x => x.ProductId, ct);

    static int? StockOf(Product p, Dictionary<int, int> stock) =>
        p.DeliveryType != DeliveryType.CardKey ? null
        : p.ReusableKey ? (stock.GetValueOrDefault(p.Id) > 0 ? null : 0)
        : stock.GetValueOrDefault(p.Id);
}
