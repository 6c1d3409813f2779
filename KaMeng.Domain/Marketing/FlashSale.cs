namespace KaMeng.Domain;

/// <summary>
/// 秒杀 / 限时折扣 on one product at one station: a price or percent off, a window, a quota (pieces, taken inside the order
/// transaction and given back when an unpaid order closes), a per-buyer limit. Paid out of the station's own margin, so it
/// is refused below the station's cost at save and paused when a later cost rise puts it below.
/// </summary>
public class FlashSale
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    public required string Title { get; set; }
    /// <summary>The flash price, or null for a percent off the station's price.</summary>
    public Money? Price { get; set; }
    /// <summary>Percent off (1–99) when <see cref="Price"/> is null.</summary>
    public int PercentOff { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    /// <summary>Pieces on offer (0: no quota — a timed discount).</summary>
    public int Quota { get; set; }
    public int Taken { get; set; }
    public int PerBuyerLimit { get; set; }
    public bool LoginRequired { get; set; }
    public bool Paused { get; set; }
    public string? PauseReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public bool IsRunning(DateTimeOffset now) => !Paused && now >= StartsAt && now < EndsAt;
    public bool SoldOut => Quota > 0 && Taken >= Quota;

    public Money PriceFor(Money stationPrice) => Offer().PriceFor(stationPrice);

    /// <summary>What a buyer sees: 秒杀价 ¥9.90 or 限时 8 折.</summary>
    public string Describe() => Price is { } p ? $"秒杀价 {p}" : $"限时 {Percent.Format((100 - PercentOff) * 10)} 折";

    /// <summary>The rules of a sale at save, given the station's cost and price of the product now (Chinese reason, or null).</summary>
    public string? Validate(Money cost, Money stationPrice)
    {
        if (string.IsNullOrWhiteSpace(Title) || Title.Length > 32) return "请填写活动名称（最多 32 个字）";
        if (Price is null && PercentOff is < 1 or > 99) return "折扣必须是 1–99 之间的整数";
        if (Price is { Fen: <= 0 }) return "秒杀价必须大于 0";
        if (EndsAt <= StartsAt) return "结束时间必须晚于开始时间";
        if (Quota < 0 || PerBuyerLimit < 0) return "名额和限购不能为负";
        var price = PriceFor(stationPrice);
        if (price < cost) return $"活动价 {price} 低于本站成本价 {cost}，不能亏本出售";
        if (price >= stationPrice) return $"活动价 {price} 不低于本站售价 {stationPrice}";
        return null;
    }

    public bool Overlaps(FlashSale other) =>
        other.Id != Id && other.StationId == StationId && other.ProductId == ProductId && other.StartsAt < EndsAt && StartsAt < other.EndsAt;

    public FlashOffer Offer() => new(Id, Title, Price, PercentOff);
}

/// <summary>批发价: from <see cref="MinQuantity"/> pieces an order pays this unit price or percent off. The highest tier whose
/// minimum is at most the quantity applies.</summary>
public class WholesaleTier
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    public int MinQuantity { get; set; }
    public Money? UnitPrice { get; set; }
    public int PercentOff { get; set; }

    public WholesaleOffer Offer() => new(MinQuantity, UnitPrice, PercentOff);

    public string? Validate(Money cost, Money stationPrice)
    {
        if (MinQuantity < 2) return "起批数量至少为 2 件";
        if (UnitPrice is null && PercentOff is < 1 or > 99) return "折扣必须是 1–99 之间的整数";
        if (UnitPrice is { Fen: <= 0 }) return "批发单价必须大于 0";
        var price = Offer().PriceFor(stationPrice);
        if (price < cost) return $"批发价 {price} 低于本站成本价 {cost}，不能亏本出售";
        return null;
    }
}
