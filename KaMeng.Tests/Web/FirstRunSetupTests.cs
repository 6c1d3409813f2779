using System.Net;
using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Setup;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Web;

static class FirstRunForm
{
    public static Dictionary<string, string> Fields(string userName, string password, string? confirm = null) => new()
    {
        ["Input.UserName"] = userName, ["Input.Password"] = password, ["Input.ConfirmPassword"] = confirm ?? password,
    };

    public static async Task<List<string>> AdminsAsync(KaMengApp app)
    {
        await using var db = app.NewContext();
        return await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id join u in db.Users on ur.UserId equals u.Id
                      where r.Name == Roles.PlatformAdmin select u.UserName!).ToListAsync();
    }
}

/// <summary>A fresh production install: no demo data, no admin, and only the first-run page until it has created one.</summary>
public class FirstRunSetupTests(FreshProductionApp app) : IClassFixture<FreshProductionApp>
{
    [Fact]
    public async Task A_fresh_production_database_has_no_demo_data_and_no_admin()
    {
        await using var db = app.NewContext();
        Assert.Equal(["main"], await db.Stations.IgnoreQueryFilters().Select(s => s.Code).ToListAsync());
        Assert.Empty(await db.Users.ToListAsync());
        Assert.Empty(await db.Products.IgnoreQueryFilters().ToListAsync());
        Assert.Empty(await db.Orders.IgnoreQueryFilters().ToListAsync());
        Assert.Equal(Roles.All.Length, await db.Roles.CountAsync());
    }

    [Fact]
    public async Task Mismatched_or_weak_passwords_are_refused_in_chinese_and_create_nobody()
    {
        using var http = SignedInHttp.Anonymous(app);
        var mismatch = await http.PostFormAsync("/setup", "setup", FirstRunForm.Fields("boss", "Boss-pass-123", "Boss-pass-124"));
        Assert.Contains("两次输入的密码不一致", await mismatch.Content.ReadAsStringAsync());
        var weak = await http.PostFormAsync("/setup", "setup", FirstRunForm.Fields("boss", "onlyletters"));
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("密码必须包含数字", await weak.Content.ReadAsStringAsync());
        var empty = await http.PostFormAsync("/setup", "setup", FirstRunForm.Fields("", ""));
        Assert.Contains("请输入用户名", await empty.Content.ReadAsStringAsync());
        Assert.Empty(await FirstRunForm.AdminsAsync(app));
    }
}

/// <summary>The first run creates the admin once: racing submissions make one admin, and the page is gone afterwards.</summary>
public class FirstRunCreatesOneAdminTests(FreshProductionApp app) : IClassFixture<FreshProductionApp>
{
    [Fact]
    public async Task Every_page_redirects_to_setup_until_two_racing_submissions_create_exactly_one_admin_and_then_setup_is_gone()
    {
        using var probe = app.NewHttpClient();
        foreach (var path in new[] { "/", "/admin", "/account/login", "/s/main/" })
        {
            var response = await probe.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/setup", response.Headers.Location?.OriginalString);
        }
        var page = await probe.GetAsync("/setup");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("创建平台管理员", await page.Content.ReadAsStringAsync());
        // Without the antiforgery token a post is refused.
        var forged = await probe.PostAsync("/setup", new FormUrlEncodedContent(new Dictionary<string, string>(FirstRunForm.Fields("mallory", "Mallory-123")) { ["_handler"] = "setup" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        // Two browsers load the page, then both submit at once with different names.
        using var first = SignedInHttp.Anonymous(app);
        using var second = SignedInHttp.Anonymous(app);
        var posts = await Task.WhenAll(
            first.PrepareFormAsync("/setup", "setup", FirstRunForm.Fields("boss", "Boss-pass-123")),
            second.PrepareFormAsync("/setup", "setup", FirstRunForm.Fields("rival", "Rival-pass-123")));
        var answers = await Task.WhenAll(posts.Select(p => p()));
        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Redirect);
        Assert.EndsWith("/admin", winner.Headers.Location?.OriginalString);
        var loser = Assert.Single(answers, a => a.StatusCode != HttpStatusCode.Redirect);
        Assert.Equal(HttpStatusCode.Conflict, loser.StatusCode);
        Assert.Contains(FirstRun.AlreadyDone, await loser.Content.ReadAsStringAsync());
        var admins = await FirstRunForm.AdminsAsync(app);
        Assert.Single(admins);

        // The page is gone, the rest of the site is back, and the new admin signs in.
        Assert.Equal(HttpStatusCode.NotFound, (await probe.GetAsync("/setup")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/")).StatusCode);
        var password = admins[0] == "boss" ? "Boss-pass-123" : "Rival-pass-123";
        using var admin = await SignedInHttp.SignInAsync(app, admins[0], password);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin")).Status);
    }
}

/// <summary>Two app servers on one database: the database, not a process lock, keeps it to one admin.</summary>
public class FirstRunAcrossServersTests(FreshProductionApp app) : IClassFixture<FreshProductionApp>
{
    [Fact]
    public async Task Two_servers_racing_on_one_database_create_one_admin()
    {
        // Two FirstRun instances stand for two app servers: neither's in-process gate sees the other's submission.
        var servers = new[] { ActivatorUtilities.CreateInstance<FirstRun>(app.Services), ActivatorUtilities.CreateInstance<FirstRun>(app.Services) };
        var results = await Task.WhenAll(servers.Select((s, i) => s.CreateAdminAsync($"server{i}", "Server-pass-123")));
        Assert.Single(results, r => r.Count == 0);
        Assert.Equal([FirstRun.AlreadyDone], Assert.Single(results, r => r.Count > 0));
        Assert.Single(await FirstRunForm.AdminsAsync(app));
    }
}

/// <summary>Production with a configured admin password: the admin exists from the start, still without any demo data.</summary>
public class ConfiguredAdminInProductionTests(ConfiguredProductionApp app) : IClassFixture<ConfiguredProductionApp>
{
    [Fact]
    public async Task A_configured_admin_password_creates_the_admin_so_there_is_no_first_run_page_and_still_no_demo()
    {
        Assert.Equal(["admin"], await FirstRunForm.AdminsAsync(app));
        await using (var db = app.NewContext())
        {
            Assert.Equal(["admin"], await db.Users.Select(u => u.UserName!).ToListAsync());
            Assert.Empty(await db.Products.IgnoreQueryFilters().ToListAsync());
        }
        using var http = app.NewHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/setup")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        using var admin = await SignedInHttp.SignInAsync(app, "admin", TestAccounts.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin")).Status);
    }
}
