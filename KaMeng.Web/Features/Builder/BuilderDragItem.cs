namespace KaMeng.Web.Features.Builder;

/// <summary>What the builder's drag and drop carries: a block type from the palette, or a block (by id) on the canvas.</summary>
public sealed record BuilderDragItem(string Key, bool FromPalette)
{
    public const string PaletteZone = "palette";
    public static string SlotZone(int index) => $"slot-{index}";
    public static int? SlotOf(string zone) => zone.StartsWith("slot-", StringComparison.Ordinal) && int.TryParse(zone[5..], out var i) ? i : null;
}
