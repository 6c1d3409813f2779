using System.Net;
using System.Text.RegularExpressions;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Security;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Features.Stations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Storefront;

/// <summary>查单 for guests without the order number: contact + query password lists their orders, throttled (issue 18 §2).</summary>
public class OrderQueryByContactTests(ThrottledApp app) : IClassFixture<ThrottledApp>
{
    async Task<string> GuestOrderAsync(string contact, string password)
    {
        var gateways = app.Services.GetRequiredService<GatewaySettingsService>();
        if (await gateways.ForStationAsync(Station.MainStationId) is null)
            Assert.Null(await gateways.SaveAsync(new AuditActor("test", "test", null), Station.MainStationId,
                new GatewayForm { BaseUrl = app.BaseUrl + "/pay/sandbox/", Pid = "1001", Key = "sandbox-key-0123456789", Channels = ["alipay"] }));
        int productId;
        await using (var db = app.NewContext())
            productId = await db.Products.Where(p => p.Name == "王者荣耀 60 点券").Select(p => p.Id).SingleAsync();
        var redirect = await app.Services.GetRequiredService<EPayCheckout>().StartOrderAsync(
            (await app.Services.GetRequiredService<StationDirectory>().ByIdAsync(Station.MainStationId))!,
            new GatewayCheckoutRequest(productId, 1, "alipay", Guid.NewGuid().ToString("N"), null, contact, password), new SiteAddress(app.BaseUrl, ""));
        Assert.Null(redirect.Error);
        return redirect.OutTradeNo!;
    }

    static Dictionary<string, string> ByContact(string contact, string password) =>
        new() { ["Form.Number"] = "", ["Form.Contact"] = contact, ["Form.Password"] = password };

    static int Results(string html) => Regex.Matches(html, "data-testid=\"query-result\"").Count;

    [Fact]
    public async Task Contact_and_query_password_list_every_order_left_with_them_and_no_other()
    {
        var contact = $"multi-{Guid.NewGuid():N}"[..20] + "@example.cn";
        var first = await GuestOrderAsync(contact, "668899");
        var second = await GuestOrderAsync(contact, "668899");
        var otherPassword = await GuestOrderAsync(contact, "112233");

        using var client = new ClientForm(app, "203.0.113.1");
        var answer = await client.PostAsync("/order/query", "order-query", ByContact(contact, "668899"), model: "Form");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(2, Results(answer.Html));
        Assert.Contains(first, answer.Html);
        Assert.Contains(second, answer.Html);
        Assert.DoesNotContain(otherPassword, answer.Html);
    }

    [Fact]
    public async Task A_wrong_query_password_lists_nothing_and_guessing_one_contact_is_throttled_across_addresses()
    {
        var contact = $"guess-{Guid.NewGuid():N}"[..20] + "@example.cn";
        var number = await GuestOrderAsync(contact, "668899");
        for (var i = 0; i < 5; i++)
        {
            using var client = new ClientForm(app, $"203.0.113.{10 + i}");
            var wrong = await client.PostAsync("/order/query", "order-query", ByContact(contact, $"wrong-{i}00"), model: "Form");
            Assert.Equal(HttpStatusCode.OK, wrong.Status);
            Assert.Equal(0, Results(wrong.Html));
            Assert.Contains("未找到订单", wrong.Html);
            Assert.DoesNotContain(number, wrong.Html);
        }
        using var sixth = new ClientForm(app, "203.0.113.16");
        var throttled = await sixth.PostAsync("/order/query", "order-query", ByContact(contact, "668899"), model: "Form");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.Status);
        Assert.Contains("操作过于频繁，请", throttled.Html);
        Assert.Equal(0, Results(throttled.Html));
    }
}
