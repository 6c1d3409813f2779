namespace KaMeng.Domain;

/// <summary>分类, nested.</summary>
public class Category
{
    public int Id { get; set; }
    public int StationId { get; set; }
    public int? ParentId { get; set; }
    public Category? Parent { get; set; }
    public required string Name { get; set; }
    public string? Icon { get; set; }
    public int SortOrder { get; set; }
    public bool Visible { get; set; } = true;
}
