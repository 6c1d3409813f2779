using System.Security.Claims;
using Bunit;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Platform;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Components.Platform;

/// <summary>总站公告, moved from the dashboard to the platform settings (issue 17): saved through the settings service
/// into the main station, which the storefront reads through <see cref="StationDirectory"/>.</summary>
public class MainAnnouncementEditorTests : MudContext, IAsyncLifetime
{
    CommerceHarness h = default!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        Services.AddSingleton(h.Db.DbFactory);
        Services.AddSingleton(h.Db.Services.GetRequiredService<StationSettingsService>());
        Services.AddSingleton(h.Db.Services.GetRequiredService<StationDirectory>());
        Services.AddScoped<CurrentAdmin>();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await h.DisposeAsync();
    }

    async Task SignInAsync(string userName, string role)
    {
        string id;
        await using (var db = h.Db.NewContext()) id = (await db.Users.SingleAsync(u => u.UserName == userName)).Id;
        var auth = AddAuthorization();
        auth.SetAuthorized(userName);
        auth.SetRoles(role);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, id));
    }

    [Fact]
    public async Task A_platform_admin_saves_the_announcement_the_storefront_then_shows()
    {
        await SignInAsync("admin", Roles.PlatformAdmin);
        var directory = Services.GetRequiredService<StationDirectory>();
        Assert.NotNull(await directory.ByIdAsync(Station.MainStationId)); // cached before the change

        var host = RenderHosted(b => { b.OpenComponent<MainAnnouncementEditor>(0); b.CloseComponent(); });
        var text = "双十二大促，全场自动发货 " + Guid.NewGuid().ToString("N")[..6];
        host.WaitForElement("[data-testid=announcement-editor] textarea").Input(text);
        host.Find("[data-testid=save-announcement]").Click();

        var toast = host.WaitForElement("[data-testid=toast]");
        Assert.Equal("总站公告已保存", toast.TextContent);
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(text, (await db.Stations.SingleAsync(s => s.Id == Station.MainStationId)).Announcement);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "station.announcement" && a.UserName == "admin"));
        }
        Assert.Equal(text, (await directory.ByIdAsync(Station.MainStationId))!.Announcement); // the cache was dropped
    }

    [Fact]
    public async Task The_editor_starts_with_the_current_announcement_and_a_station_owner_may_not_change_it()
    {
        await using (var db = h.Db.NewContext())
            await db.Stations.Where(s => s.Id == Station.MainStationId).ExecuteUpdateAsync(u => u.SetProperty(s => s.Announcement, "旧公告"));
        await SignInAsync("demo-owner", Roles.StationOwner);

        var host = RenderHosted(b => { b.OpenComponent<MainAnnouncementEditor>(0); b.CloseComponent(); });
        var box = host.WaitForElement("[data-testid=announcement-editor] textarea");
        Assert.Equal("旧公告", box.GetAttribute("value") ?? box.TextContent);
        box.Input("分站主想改总站公告");
        host.Find("[data-testid=save-announcement]").Click();

        var toast = host.WaitForElement("[data-testid=toast]");
        Assert.Equal("只有平台管理员可以修改总站公告", toast.TextContent);
        Assert.Equal("error", toast.GetAttribute("data-severity"));
        await using (var db = h.Db.NewContext())
            Assert.Equal("旧公告", (await db.Stations.SingleAsync(s => s.Id == Station.MainStationId)).Announcement);
    }
}
