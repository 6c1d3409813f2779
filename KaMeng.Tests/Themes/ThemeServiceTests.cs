using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using KaMeng.Web.Features.Themes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KaMeng.Tests.Themes;

public class ThemeServiceTests : IAsyncLifetime
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);
    CommerceHarness h = default!;
    AuditActor demoOwner = default!;
    ThemeService service = default!;

    public async Task InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        await using var db = h.Db.NewContext();
        var owner = await db.Stations.Where(s => s.Code == "demo").Select(s => s.OwnerUserId).SingleAsync();
        demoOwner = new AuditActor(owner!, "demo-owner", 2);
        var catalog = new ThemeCatalog(Path.Combine(TestPaths.RepoRoot, "wwwroot-themes"), NullLogger<ThemeCatalog>.Instance);
        service = new ThemeService(h.Db.DbFactory, h.Db.Services.GetRequiredService<StationDirectory>(), catalog, TimeProvider.System);
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task An_owner_sets_their_stations_theme_and_the_directory_sees_it_with_an_audit_entry()
    {
        Assert.Null(await service.SetThemeAsync(2, "dark", new Dictionary<string, string?> { ["--km-primary"] = "#E91E63", ["--km-radius"] = "" }, demoOwner));
        var demo = await h.StationAsync(2);
        Assert.Equal("dark", demo.Theme);
        Assert.Equal("""{"--km-primary":"#e91e63"}""", demo.ThemeTokensJson);
        await using var db = h.Db.NewContext();
        var entry = await db.AuditEntries.AsNoTracking().OrderByDescending(a => a.Id).FirstAsync();
        Assert.Equal("station.theme", entry.Action);
        Assert.Equal(2, entry.StationId);
        Assert.Equal("demo-owner", entry.UserName);

        // Back to the default with no overrides clears the column.
        Assert.Null(await service.SetThemeAsync(2, "default", null, demoOwner));
        Assert.Null((await h.StationAsync(2)).ThemeTokensJson);
    }

    [Fact]
    public async Task An_owner_cannot_set_another_stations_theme_nor_the_main_stations()
    {
        Assert.Equal("分站不存在", await service.SetThemeAsync(2, "dark", null, new AuditActor("someone", "other-owner", 3)));
        Assert.Equal("分站不存在", await service.SetThemeAsync(Station.MainStationId, "dark", null, demoOwner));
        Assert.Equal("分站不存在", await service.SetThemeAsync(2, "dark", null, new AuditActor("nobody", "nobody", -1)));
        Assert.Equal("default", (await h.StationAsync(2)).Theme);
        Assert.Equal("default", (await h.StationAsync(Station.MainStationId)).Theme);

        // The platform admin chooses the main station's theme the same way.
        Assert.Null(await service.SetThemeAsync(Station.MainStationId, "fresh", new Dictionary<string, string?> { ["--km-font-scale"] = "1.2" }, Platform));
        Assert.Equal("fresh", (await h.StationAsync(Station.MainStationId)).Theme);
    }

    [Fact]
    public async Task Bad_themes_and_values_are_refused_and_nothing_is_saved()
    {
        Assert.Equal("主题不存在", await service.SetThemeAsync(2, "../../etc", null, demoOwner));
        Assert.Contains("颜色须为", await service.SetThemeAsync(2, "dark", new Dictionary<string, string?> { ["--km-primary"] = "red;}body{x}" }, demoOwner));
        Assert.Contains("数值过长", await service.SetThemeAsync(2, "dark", new Dictionary<string, string?> { ["--km-primary"] = "red;}body{display:none" }, demoOwner));
        Assert.Contains("没有可调整的项", await service.SetThemeAsync(2, "dark", new Dictionary<string, string?> { ["--km-bg"] = "#000" }, demoOwner));
        var demo = await h.StationAsync(2);
        Assert.Equal("default", demo.Theme);
        Assert.Null(demo.ThemeTokensJson);
    }
}
