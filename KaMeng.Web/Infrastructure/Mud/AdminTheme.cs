using MudBlazor;

namespace KaMeng.Web.Infrastructure.Mud;

/// <summary>
/// The admin's look, written once (docs/admin-design.md): indigo primary, red for danger, Noto Sans CJK, compact
/// spacing. Every admin page takes its colours and type from here through MudBlazor's theme, never from its own CSS.
/// </summary>
public static class AdminTheme
{
    static readonly string[] Fonts = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f51b5",
            Secondary = "#00897b",
            Tertiary = "#6d4c41",
            Info = "#1e88e5",
            Success = "#2e7d32",
            Warning = "#ef6c00",
            Error = "#c62828",
            AppbarBackground = "#283593",
            AppbarText = "#ffffff",
            Background = "#f5f6fa",
            DrawerBackground = "#ffffff",
            DrawerText = "rgba(0,0,0,0.80)",
            TextPrimary = "rgba(0,0,0,0.87)",
            TextSecondary = "rgba(0,0,0,0.62)",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts, FontSize = ".875rem", LineHeight = "1.5" },
            H1 = new H1Typography { FontFamily = Fonts, FontSize = "1.5rem", FontWeight = "600", LineHeight = "1.4" },
            H2 = new H2Typography { FontFamily = Fonts, FontSize = "1.25rem", FontWeight = "600", LineHeight = "1.4" },
            H3 = new H3Typography { FontFamily = Fonts, FontSize = "1.125rem", FontWeight = "600", LineHeight = "1.4" },
            H6 = new H6Typography { FontFamily = Fonts, FontSize = "1.05rem", FontWeight = "600" },
            Button = new ButtonTypography { FontFamily = Fonts, TextTransform = "none", FontWeight = "500" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px", DrawerWidthLeft = "232px", AppbarHeight = "56px" },
    };
}
