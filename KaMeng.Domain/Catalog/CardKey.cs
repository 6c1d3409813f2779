namespace KaMeng.Domain;

/// <summary>Refunded: sold, then the order was refunded; the buyer has seen it, so it is never sold again.</summary>
public enum CardKeyStatus { Available = 0, Sold = 1, Void = 2, Refunded = 3 }

/// <summary>卡密. The secret is stored encrypted; <see cref="SecretHash"/> finds duplicates without decrypting.</summary>
public class CardKey
{
    public long Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    public int BatchId { get; set; }
    public required string SecretCipher { get; set; }
    public required string SecretHash { get; set; }
    public CardKeyStatus Status { get; set; }
    public long? OrderId { get; set; }
    public DateTimeOffset? SoldAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One import of card keys (导入批次).</summary>
public class CardKeyBatch
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int ProductId { get; set; }
    public required string Number { get; set; }
    public int Count { get; set; }
    public string? ImportedByUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
