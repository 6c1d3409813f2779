namespace KaMeng.Domain;

public enum DeliveryType { CardKey = 0, DirectTopUp = 1, Manual = 2 }

/// <summary>商品. Review (审核) lives in Compliance/ProductReviewState.cs.</summary>
public partial class Product
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int CategoryId { get; set; }
    public Category? Category { get; set; }
    public required string Name { get; set; }
    public string? DescriptionMarkdown { get; set; }
    /// <summary>购买须知 (Markdown): shown beside the pay buttons, apart from the description.</summary>
    public string? PurchaseNotice { get; set; }
    public const int PurchaseNoticeMaxLength = 2000;
    public string? ImagePath { get; set; }
    public DeliveryType DeliveryType { get; set; }
    public Money FaceValue { get; set; }
    public Money CostPrice { get; set; }
    public Money BasePrice { get; set; }
    public int MinPerOrder { get; set; } = 1;
    public int MaxPerOrder { get; set; } = 10;
    /// <summary>0 = no limit.</summary>
    public int PerBuyerLimit { get; set; }
    public bool OnShelf { get; set; } = true;
    public DateTimeOffset? ShelfFrom { get; set; }
    public DateTimeOffset? ShelfUntil { get; set; }
    public int LowStockThreshold { get; set; } = 10;
    /// <summary>Comma-separated tags such as 热门,推荐.</summary>
    public string? Tags { get; set; }
    public int SortOrder { get; set; }
    /// <summary>循环卡密: one secret sold again and again.</summary>
    public bool ReusableKey { get; set; }
    public List<InputField> InputFields { get; set; } = [];
    public bool Deleted { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// 库存预警: a card-key product is low while its available keys are under this number. It is the threshold (0 turns
    /// the warning off), except for a reusable key (循环卡密), which is sold again and again and so is low only when no
    /// key is left. 0 for products whose stock is not counted in keys.
    /// </summary>
    public int LowStockBelow => LowStockLine(DeliveryType, ReusableKey, LowStockThreshold);

    /// <summary>Stock below this is low: the threshold for card keys, 1 for a reusable key (low only when none is left),
    /// 0 (never low) for other delivery types or a threshold of 0.</summary>
    public static int LowStockLine(DeliveryType type, bool reusableKey, int threshold) =>
        type != DeliveryType.CardKey || threshold <= 0 ? 0 : reusableKey ? 1 : threshold;

    public bool IsLowStock(int availableKeys) => availableKeys < LowStockBelow;

    /// <summary>On sale: approved by review (see <see cref="Review"/>), on shelf, not deleted, inside its shelf schedule. Every
    /// storefront list, product page, the Open API and checkout ask this.</summary>
    public bool IsOnSale(DateTimeOffset now) =>
        IsReviewApproved && OnShelf && !Deleted && (ShelfFrom is null || ShelfFrom <= now) && (ShelfUntil is null || now < ShelfUntil);

    public IEnumerable<string> TagList => (Tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
