using System.Text.Json.Nodes;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class BannerCarouselTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    static readonly AuditActor Platform = new("admin-id", "admin", null);

    [Fact]
    public async Task A_published_banner_advances_by_its_interval_and_wraps_to_the_first_slide()
    {
        var layouts = fx.App.Services.GetRequiredService<LayoutService>();
        var home = (await layouts.PagesAsync(Station.MainStationId, Platform)).Single(p => p.IsHome);
        JsonObject Slide(char c, string alt) => new() { ["image"] = $"/uploads/layout/{new string(c, 32)}.png", ["link"] = "/", ["alt"] = alt };
        var json = new JsonObject
        {
            ["blocks"] = new JsonArray(new JsonObject
            {
                ["id"] = "carousel01", ["type"] = BlockTypes.Banner,
                ["settings"] = new JsonObject { ["slides"] = new JsonArray(Slide('a', "第一张"), Slide('b', "第二张")), ["intervalSeconds"] = 1 },
            }),
        }.ToJsonString();
        Assert.Empty(await layouts.SaveDraftAsync(Station.MainStationId, home.Id, json, Platform));
        Assert.Null(await layouts.PublishAsync(Station.MainStationId, home.Id, Platform));

        var page = await fx.NewPageAsync();
        await page.GotoAsync("/");
        var carousel = page.Locator(".km-banner[data-interval='1']");
        await Assertions.Expect(carousel).ToHaveCountAsync(1);
        await page.Mouse.MoveAsync(0, 0); // not hovering: hovering pauses it
        await Assertions.Expect(carousel).ToHaveAttributeAsync("data-slide", "1", new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync("() => document.querySelector('.km-banner').scrollLeft > 0", null, new() { Timeout = 15_000 });
        await Assertions.Expect(carousel).ToHaveAttributeAsync("data-slide", "0", new() { Timeout = 15_000 });
    }
}
