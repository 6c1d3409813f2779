namespace KaMeng.Domain;

/// <summary>上游供货商: another KaMeng site whose Open API this station resells from.</summary>
public class Supplier
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public required string Name { get; set; }
    /// <summary>The upstream site's root, e.g. https://up.example.com (no trailing slash).</summary>
    public required string BaseUrl { get; set; }
    public required string KeyId { get; set; }
    /// <summary>The HMAC secret, encrypted with Data Protection like <see cref="ApiCredential.SecretCipher"/>.</summary>
    public required string SecretCipher { get; set; }
    public bool Reachable { get; set; } = true;
    public string? LastError { get; set; }
    public DateTimeOffset? LastCheckedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Accepts http(s) absolute URLs only and normalises away the trailing slash.</summary>
    public static string? NormalizeBaseUrl(string? text)
    {
        if (!Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query)) return null;
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }
}

public enum MarkupKind { PlusPercent = 1, PlusAmount = 2, Fixed = 3 }

/// <summary>Why sync took an imported product off shelf (it puts it back only when it was the one that took it off).</summary>
public enum SupplyProblem { None = 0, Unreachable = 1, Gone = 2, OutOfStock = 3, CostAbovePrice = 4 }

/// <summary>An imported product: a local product supplied by an upstream product, with its price rule and a backup supplier.</summary>
public class SupplierProduct
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    public int SupplierId { get; set; }
    public int UpstreamProductId { get; set; }
    /// <summary>The upstream's name as last seen: sync follows a change of it (and the 违禁词 scan sees the new name).</summary>
    public string? UpstreamName { get; set; }
    public int? BackupSupplierId { get; set; }
    public int? BackupUpstreamProductId { get; set; }
    public MarkupKind Markup { get; set; }
    /// <summary>Basis points for PlusPercent, fen for PlusAmount and Fixed.</summary>
    public long MarkupValue { get; set; }
    public PriceRounding Rounding { get; set; }
    public Money UpstreamPrice { get; set; }
    public int? UpstreamStock { get; set; }
    public SupplyProblem Problem { get; set; }
    public DateTimeOffset? SyncedAt { get; set; }

    /// <summary>The selling price the rule gives for an upstream price: + percent (half up to the fen) or + amount, then rounded up to 分/角/元.</summary>
    public static Money Price(Money upstream, MarkupKind kind, long value, PriceRounding rounding) => kind switch
    {
        MarkupKind.PlusPercent => PriceRule.Round(Money.FromFen(upstream.Fen + (upstream.Fen * value + 5000) / 10000), rounding),
        MarkupKind.PlusAmount => PriceRule.Round(Money.FromFen(upstream.Fen + value), rounding),
        MarkupKind.Fixed => Money.FromFen(value),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public Money SellingPrice(Money upstream) => Price(upstream, Markup, MarkupValue, Rounding);

    public string DescribeRule() => Markup switch
    {
        MarkupKind.PlusPercent => $"上游价 +{Percent.Format((int)MarkupValue)}%",
        MarkupKind.PlusAmount => $"上游价 +{Money.FromFen(MarkupValue)}",
        _ => $"固定价 {Money.FromFen(MarkupValue)}",
    } + (Markup == MarkupKind.Fixed ? "" : Rounding switch { PriceRounding.Jiao => "，取整到角", PriceRounding.Yuan => "，取整到元", _ => "" });

    /// <summary>
    /// What a sync learnt about the upstream product (null price = unreachable or gone). Applies the price rule to the
    /// local product and decides its shelf: a supply problem takes it off; the end of the problem that sync caused puts it back.
    /// Returns the problem newly found, or None.
    /// </summary>
    public SupplyProblem Apply(Product product, Money? upstreamPrice, int? upstreamStock, bool reachable, DateTimeOffset now)
    {
        SyncedAt = now;
        SupplyProblem problem;
        if (!reachable) problem = SupplyProblem.Unreachable;
        else if (upstreamPrice is not { } price) problem = SupplyProblem.Gone;
        else
        {
            UpstreamPrice = price;
            UpstreamStock = upstreamStock;
            product.CostPrice = price;
            product.BasePrice = SellingPrice(price);
            problem = price > product.BasePrice ? SupplyProblem.CostAbovePrice : upstreamStock is 0 ? SupplyProblem.OutOfStock : SupplyProblem.None;
        }
        var previous = Problem;
        if (problem != SupplyProblem.None)
        {
            // Only a product on shelf is taken off by sync; one the owner took off stays the owner's business.
            if (product.OnShelf || previous != SupplyProblem.None)
            {
                product.OnShelf = false;
                Problem = problem;
            }
        }
        else if (previous != SupplyProblem.None)
        {
            product.OnShelf = true;
            Problem = SupplyProblem.None;
        }
        return problem != SupplyProblem.None && problem != previous ? problem : SupplyProblem.None;
    }
}

public enum ProcurementStatus { Pending = 0, Submitted = 1, Delivered = 2, Failed = 3 }

/// <summary>采购单: the upstream order that fulfils a local order of an imported product, worked by a background queue.</summary>
public class Procurement
{
    public const int AttemptsPerSupplier = 3;

    public long Id { get; set; }
    public int StationId { get; set; }
    public long OrderId { get; set; }
    public int SupplierProductId { get; set; }
    /// <summary>The supplier being tried: the primary, then the backup.</summary>
    public int SupplierId { get; set; }
    public int UpstreamProductId { get; set; }
    public bool OnBackup { get; set; }
    /// <summary>Our number at the upstream (its client_order_no): creating it twice there yields one order.</summary>
    public required string ClientOrderNo { get; set; }
    public string? UpstreamOrderNo { get; set; }
    public ProcurementStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    public static Procurement For(Order order, SupplierProduct link, DateTimeOffset now) => new()
    {
        StationId = order.StationId, OrderId = order.Id, SupplierProductId = link.Id, SupplierId = link.SupplierId,
        UpstreamProductId = link.UpstreamProductId, ClientOrderNo = $"KM{order.Number}-P", Status = ProcurementStatus.Pending,
        NextAttemptAt = now, CreatedAt = now,
    };

    /// <summary>Backoff before the next try: base × 2^(attempts−1).</summary>
    public static TimeSpan Backoff(int attempts, TimeSpan @base) => @base * Math.Pow(2, Math.Max(0, attempts - 1));

    /// <summary>
    /// A failed try. After <see cref="AttemptsPerSupplier"/> the backup supplier takes over (a fresh number there, as it is
    /// another site); when there is none or it failed too, the procurement has finally failed. Returns true when final.
    /// </summary>
    public bool RecordFailure(string error, SupplierProduct link, DateTimeOffset now, TimeSpan backoffBase, bool supplierSaysFinal = false)
    {
        Attempts++;
        LastError = error.Length > 500 ? error[..500] : error;
        if (!supplierSaysFinal && Attempts < AttemptsPerSupplier)
        {
            NextAttemptAt = now + Backoff(Attempts, backoffBase);
            return false;
        }
        if (!OnBackup && link.BackupSupplierId is { } backup && link.BackupUpstreamProductId is { } upstreamId)
        {
            OnBackup = true;
            SupplierId = backup;
            UpstreamProductId = upstreamId;
            ClientOrderNo = ClientOrderNo[..^1] + "B";
            UpstreamOrderNo = null;
            Status = ProcurementStatus.Pending;
            Attempts = 0;
            NextAttemptAt = now;
            return false;
        }
        Status = ProcurementStatus.Failed;
        CompletedAt = now;
        return true;
    }
}
