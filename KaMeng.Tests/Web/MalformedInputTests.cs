using System.Net;
using System.Net.Sockets;
using System.Text;
using KaMeng.Tests.Infrastructure;
using KaMeng.Tests.Payments;
using KaMeng.Web.Features.Payments;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Web;

/// <summary>Issue 16 §5: malformed input is answered (a 4xx, or the page with a message), never a 500.</summary>
// Its own app: junk posted to the login counts as failed sign-ins, which would ask later sign-ins for a captcha.
public class MalformedInputTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    /// <summary>Values that have broken endpoints before, for every route parameter and query field.</summary>
    static readonly string[] Junk =
        ["%00", "'%22%3C%3E", "-1", "99999999999999999999", "9999-12-31", "%E2%80%A8%09%0A", "..%2F..%2Fetc%2Fpasswd", new string('x', 3000), "%F0%9F%98%80", "%"];

    const string JunkQuery = "from=9999-12-31&to=0001-01-01&returnUrl=%2F%09%2Fevil.example&q=%00'%22&status=%E2%80%A8&page=-1&id=abc&amount=1e309&money=NaN&kind=..&station=abc";

    IEnumerable<string> RoutePatterns() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText ?? "").Where(p => p.Length > 0).Distinct().OrderBy(p => p);

    static string Fill(string pattern, string value) =>
        "/" + string.Join('/', pattern.TrimStart('/').Split('/').Select(segment => segment.StartsWith('{') ? value : segment));

    async Task<List<string>> FailuresAsync(HttpClient client)
    {
        var failures = new List<string>();
        foreach (var pattern in RoutePatterns())
        {
            if (pattern.Contains("_blazor") || pattern.Contains("_framework")) continue;
            foreach (var value in pattern.Contains('{') ? Junk : [""])
            {
                var path = Fill(pattern, value);
                foreach (var request in new[]
                {
                    new HttpRequestMessage(HttpMethod.Get, path + "?" + JunkQuery),
                    new HttpRequestMessage(HttpMethod.Post, path + "?" + JunkQuery) { Content = new StringContent("a=%ZZ&&=&b=" + new string('y', 5000), Encoding.UTF8, "application/x-www-form-urlencoded") },
                    new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{\"x\":", Encoding.UTF8, "application/json") },
                })
                {
                    using var response = await client.SendAsync(request);
                    if ((int)response.StatusCode >= 500) failures.Add($"{request.Method} {path[..Math.Min(120, path.Length)]} → {(int)response.StatusCode}");
                }
            }
        }
        return failures;
    }

    [Fact]
    public async Task No_endpoint_answers_malformed_input_with_a_server_error_for_a_visitor()
    {
        using var client = app.NewHttpClient();
        Assert.Empty(await FailuresAsync(client));
    }

    [Fact]
    public async Task No_endpoint_answers_malformed_input_with_a_server_error_for_the_platform_admin()
    {
        using var http = await SignedInHttp.SignInAsync(app, "admin", TestAccounts.AdminPassword);
        Assert.Empty(await FailuresAsync(http.Client));
    }

    [Theory]
    [InlineData("/account/login?returnUrl=%2F%09%2Fevil.example")]
    [InlineData("/account/login?returnUrl=%2F%E2%80%A8x")]
    [InlineData("/account/login?returnUrl=%2F%20%2F%2Fevil.example")]
    public async Task A_login_with_an_odd_return_url_signs_in_and_stays_on_the_site(string loginPath)
    {
        using var http = await SignedInHttp.SignInAsync(app, "demo-buyer", TestAccounts.DemoPassword, loginPathOverride: loginPath);
        Assert.Contains(http.LastRedirect, new[] { "/", app.BaseUrl + "/" });
    }

    [Fact]
    public async Task A_report_for_a_date_out_of_range_is_a_400_in_chinese()
    {
        using var http = await SignedInHttp.SignInAsync(app, "admin", TestAccounts.AdminPassword);
        var (status, body) = await http.GetAsync("/admin/finance/reports/orders.xlsx?to=9999-12-31");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("日期须在 2000-01-01 至 2099-12-31 之间", body);
    }

    [Fact]
    public async Task A_signed_notify_with_the_wrong_amount_is_refused_not_a_server_error()
    {
        Assert.Null(await app.Services.GetRequiredService<GatewaySettingsService>().SaveAsync(new("test", "test", null), KaMeng.Domain.Station.MainStationId,
            new GatewayForm { BaseUrl = app.BaseUrl + "/pay/sandbox/", Pid = "1001", Key = "malformed-key-0123", Channels = ["alipay"] }));
        using var client = app.NewHttpClient();
        var response = await client.GetAsync("/pay/epay/notify?" + SignedNotify.Query("M20260101000000000001", "0.01", "GW-WRONG", "malformed-key-0123"));
        Assert.True((int)response.StatusCode < 500, $"answered {(int)response.StatusCode}");
        Assert.Equal("fail", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("a&b")]
    [InlineData("demo.localhost&x=1")]
    [InlineData("[::1")]
    public async Task A_host_header_with_odd_characters_is_answered_without_a_server_error(string host)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? "";
        var code = int.Parse(statusLine.Split(' ')[1]);
        Assert.True(code < 500, statusLine);
    }
}
