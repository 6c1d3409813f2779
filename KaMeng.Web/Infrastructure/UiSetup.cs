using KaMeng.Data;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using KaMeng.Web.Infrastructure.Mud;

namespace KaMeng.Web.Infrastructure;

public static class UiSetup
{
    public static WebApplicationBuilder AddKaMengUi(this WebApplicationBuilder builder)
    {
        // Chinese text stays readable in the HTML instead of &#x…; escapes.
        builder.Services.AddSingleton(HtmlEncoder.Create(UnicodeRanges.All));
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices(o =>
        {
            // Results show at the bottom right, away from the forms they report on.
            o.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.MaxDisplayedSnackbars = 3;
            o.SnackbarConfiguration.ShowCloseIcon = true;
        });
        // After AddMudServices: every built-in MudBlazor text in Chinese.
        builder.Services.AddTransient<MudLocalizer, ZhMudLocalizer>();
        builder.Services.AddScoped<KaMeng.Web.Features.Admin.Shared.AdminFeedback>();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);

        // Card-key secrets and cookies are protected by a key ring in the database, shared by every node, each key
        // encrypted with a certificate (configured, or generated on first run under the data dir).
        var dataDir = Path.GetFullPath(builder.Configuration["KaMeng:DataDir"] ?? "data", builder.Environment.ContentRootPath);
        builder.Services.AddKaMengKeyRing(builder.Configuration, builder.Environment, dataDir);
        return builder;
    }

    public static WebApplication UseKaMengErrorPages(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        // A fresh scope for the re-executed request: a storefront page that answers 404 has already initialised the
        // scoped NavigationManager, and re-rendering /not-found in the same scope threw (a 500 instead of the 404 page).
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        return app;
    }

    /// <summary>Serves wwwroot-themes/ (shipped) and {SharedDir}/themes/ (the operator's own, shared by every node) at /themes:
    /// adding a folder to the shared one adds a theme at the next start.</summary>
    public static WebApplication MapThemes(this WebApplication app)
    {
        var custom = Directory.CreateDirectory(CustomThemesDirectory(app.Services.GetRequiredService<IOptions<KaMengOptions>>().Value)).FullName;
        var files = new CompositeFileProvider(new PhysicalFileProvider(ThemesDirectory(app.Environment)), new PhysicalFileProvider(custom));
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, RequestPath = "/themes" });
        return app;
    }

    public static string CustomThemesDirectory(KaMengOptions options) => SharedFolders.Themes(options.SharedRoot);

    public static string ThemesDirectory(IWebHostEnvironment env)
    {
        foreach (var candidate in new[] { Path.Combine(env.ContentRootPath, "wwwroot-themes"), Path.Combine(env.ContentRootPath, "..", "wwwroot-themes"), Path.Combine(AppContext.BaseDirectory, "wwwroot-themes") })
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        throw new DirectoryNotFoundException("wwwroot-themes was not found next to the app.");
    }

    public static async Task InitializeDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var seeded = await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        // A new database with the demo (Development): 60 days of business through the real services, so the dashboards speak.
        var seed = app.Services.GetRequiredService<IOptions<KaMengOptions>>().Value.Seed;
        if (seeded && seed.Demo == true && seed.History == true)
        {
            var result = await app.Services.GetRequiredService<KaMeng.Web.Features.Setup.DemoHistory>().SeedAsync(TimeProvider.System.GetUtcNow());
            Console.WriteLine($"[KaMeng] 演示历史已生成：近 {KaMeng.Web.Features.Setup.DemoHistory.Days} 天 {result.Orders} 笔订单、{result.Refunds} 笔退款、{result.Buyers} 位买家，两级分站 demo → {KaMeng.Web.Features.Setup.DemoHistory.ChildCode}（{result.Took.TotalSeconds:0.0} 秒）");
        }
    }

    public static void PrintStartupBanner(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var options = app.Services.GetRequiredService<IOptions<KaMengOptions>>().Value;
            var urls = app.Urls.Count > 0 ? app.Urls : ["http://localhost:5000"];
            var url = urls.First().TrimEnd('/');
            var demoHost = url.Replace("://localhost", "://demo.localhost").Replace("://127.0.0.1", "://demo.localhost");
            // Production's first run has no admin yet: say where to create one (never a password).
            var hasAdmin = app.Services.GetRequiredService<KaMeng.Web.Features.Setup.FirstRun>().AdminExistsAsync().GetAwaiter().GetResult();
            Console.WriteLine($"[KaMeng] 数据库：{options.Database.Provider}，数据目录：{options.DataDir}");
            Console.WriteLine($"[KaMeng] 商城首页： {url}/");
            Console.WriteLine(hasAdmin ? $"[KaMeng] 管理后台： {url}/admin" : $"[KaMeng] 首次运行：请打开 {url}{KaMeng.Web.Features.Setup.FirstRun.Path} 创建平台管理员");
            if (options.Seed.Demo == true) Console.WriteLine($"[KaMeng] 演示分站： {url}/s/demo/  或 {demoHost}/");
        });
    }
}
