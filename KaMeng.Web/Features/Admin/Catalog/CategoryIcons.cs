using MudBlazor;

namespace KaMeng.Web.Features.Admin.Catalog;

/// <summary>
/// The icons a category can take, by their Material icon name (what the database stores, as before) with a Chinese
/// label for the picker's tooltips and MudBlazor's SVG for drawing them.
/// </summary>
public static class CategoryIcons
{
    public sealed record Choice(string Name, string Label, string Svg);

    public static readonly IReadOnlyList<Choice> All =
    [
        new("sports_esports", "游戏", Icons.Material.Filled.SportsEsports),
        new("videogame_asset", "游戏机", Icons.Material.Filled.VideogameAsset),
        new("smartphone", "话费", Icons.Material.Filled.Smartphone),
        new("sim_card", "流量卡", Icons.Material.Filled.SimCard),
        new("card_giftcard", "礼品卡", Icons.Material.Filled.CardGiftcard),
        new("redeem", "兑换码", Icons.Material.Filled.Redeem),
        new("key", "激活码", Icons.Material.Filled.Key),
        new("stars", "会员", Icons.Material.Filled.Stars),
        new("movie", "影视", Icons.Material.Filled.Movie),
        new("music_note", "音乐", Icons.Material.Filled.MusicNote),
        new("live_tv", "直播", Icons.Material.Filled.LiveTv),
        new("menu_book", "阅读", Icons.Material.Filled.MenuBook),
        new("school", "教育", Icons.Material.Filled.School),
        new("shopping_cart", "购物", Icons.Material.Filled.ShoppingCart),
        new("fastfood", "外卖", Icons.Material.Filled.Fastfood),
        new("local_cafe", "餐饮", Icons.Material.Filled.LocalCafe),
        new("flight", "出行", Icons.Material.Filled.Flight),
        new("local_gas_station", "加油", Icons.Material.Filled.LocalGasStation),
        new("wifi", "宽带", Icons.Material.Filled.Wifi),
        new("cloud", "云服务", Icons.Material.Filled.Cloud),
        new("computer", "软件", Icons.Material.Filled.Computer),
        new("security", "安全", Icons.Material.Filled.Security),
        new("account_balance_wallet", "充值", Icons.Material.Filled.AccountBalanceWallet),
        new("category", "其他", Icons.Material.Filled.Category),
    ];

    static readonly Dictionary<string, Choice> ByName = All.ToDictionary(c => c.Name);

    public static Choice? Find(string? name) => name is null ? null : ByName.GetValueOrDefault(name.Trim());

    /// <summary>The SVG to draw for a stored name; a name saved before the picker and not in the list gets a neutral icon.</summary>
    public static string Svg(string? name) => Find(name)?.Svg ?? Icons.Material.Outlined.Label;

    /// <summary>The Chinese label, or the stored name itself for one not in the list.</summary>
    public static string Label(string? name) => Find(name)?.Label ?? name ?? "";
}
