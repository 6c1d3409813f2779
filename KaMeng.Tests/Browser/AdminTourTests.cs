using System.Text.RegularExpressions;
using KaMeng.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>
/// Every admin page, opened by the user it is for, at 1280 and 390 px: it loads, shows no MudBlazor English default
/// (issue 17: the admin speaks Chinese), cuts off no column at 1280 px, and leaves a screenshot of each width under TestResults/.
/// </summary>
[Collection(SharedAppCollection.Name)]
public class AdminTourTests(BrowserFixture fx)
{
    public static TheoryData<string, string, string> Pages => new()
    {
        { "admin", "/admin", "数据看板" },
        { "admin", "/admin/categories", "分类" },
        { "admin", "/admin/products", "商品" },
        { "admin", "/admin/products/new", "新建商品" },
        { "admin", "/admin/card-keys", "卡密库存" },
        { "admin", "/admin/orders", "订单" },
        { "admin", "/admin/orders/processing", "待处理订单" },
        { "admin", "/admin/substations", "分站管理" },
        { "admin", "/admin/compliance", "合规管理" },
        { "admin", "/admin/platform", "平台设置" },
        { "admin", "/admin/themes", "总站主题" },
        { "admin", "/admin/jobs", "计划任务" },
        { "admin", "/admin/payments", "支付设置" },
        { "admin", "/admin/api-credentials", "对接密钥" },
        { "admin", "/admin/suppliers", "上游供货" },
        { "admin", "/admin/wallets", "用户与余额" },
        { "admin", "/admin/finance/withdrawals", "提现审核" },
        { "admin", "/admin/finance/reports", "报表" },
        { "admin", "/admin/finance/payments", "支付对账" },
        { "admin", "/admin/notifications", "站内信" },
        { "admin", "/admin/notifications/settings", "通知" },
        { "demo-owner", "/admin", "数据看板" },
        { "demo-owner", "/admin/station", "演示分站" },
        { "demo-owner", "/admin/children", "下级分站" },
        { "demo-owner", "/admin/builder", "店铺装修" },
        { "demo-owner", "/admin/card-keys", "卡密库存" },
        { "demo-finance", "/admin/finance/reports", "报表" },
    };

    /// <summary>MudBlazor's built-in English texts (TestData/mud-strings.tsv), cut at their placeholders into the
    /// fragments a page would show (but "Open API" is ours); operators (=, &gt;=) and fragments of a single short word are left out.</summary>
    static readonly Lazy<Regex> MudEnglish = new(() =>
    {
        var fragments = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", "mud-strings.tsv"))
            .Skip(1)
            .Select(l => l.Split('\t'))
            .Where(c => c.Length >= 2)
            .SelectMany(c => Regex.Split(c[1], @"\{[^}]*\}"))
            .Select(f => f.Trim(' ', ':', ',', '.', '-'))
            .Where(f => f.Count(char.IsLetter) >= 4)
            .Distinct()
            .OrderByDescending(f => f.Length)
            .Select(Regex.Escape);
        return new Regex(@"\b(" + string.Join("|", fragments) + @")\b(?! ?API)", RegexOptions.Compiled); // "Open API" is the product's name
    });

    [Fact]
    public void The_scan_knows_MudBlazor_English_but_not_our_product_names()
    {
        Assert.Matches(MudEnglish.Value, "Rows per page: 20");
        Assert.Matches(MudEnglish.Value, "Open filters");
        Assert.DoesNotMatch(MudEnglish.Value, "对接密钥（Open API）");
        Assert.DoesNotMatch(MudEnglish.Value, "每页 20 条");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Admin_page_speaks_Chinese_and_fits_desktop_and_phone(string user, string path, string heading)
    {
        var page = await fx.NewPageAsync();
        var password = user == "admin" ? TestAccounts.AdminPassword : TestAccounts.DemoPassword;
        await new LoginPage(page).LoginAsAsync(user, password, path);
        await new AdminPage(page).WaitForCircuitAsync();
        await Assertions.Expect(page.Locator("h1").First).ToContainTextAsync(heading);
        await Assertions.Expect(page.GetByTestId("loading")).ToHaveCountAsync(0);

        var english = await EnglishOnPageAsync(page);
        Assert.True(english.Count == 0, $"{path} ({user}) shows MudBlazor's English: {string.Join(" | ", english)}");

        // A column cut off at 1280 px is a table wider than the box that holds it, or a page wider than the window.
        var overflow = await page.EvaluateAsync<string[]>("""
            () => {
              const found = [];
              if (document.documentElement.scrollWidth > window.innerWidth + 1)
                found.push(`page ${document.documentElement.scrollWidth}px > ${window.innerWidth}px`);
              for (const t of document.querySelectorAll('main table')) {
                const box = t.parentElement;
                if (t.offsetParent !== null && box.scrollWidth > box.clientWidth + 1)
                  found.push(`table "${(t.innerText || '').slice(0, 40)}" ${box.scrollWidth}px > ${box.clientWidth}px`);
              }
              return found;
            }
            """);
        Assert.True(overflow.Length == 0, $"{path} ({user}) is cut off at 1280 px: {string.Join("; ", overflow)}");

        var name = "tour-" + user + (path.Replace('/', '-').TrimEnd('-') is { Length: > 0 } p ? p : "-home");
        await BrowserFixture.ScreenshotsAsync(page, name);
        await page.Context.CloseAsync();
    }

    /// <summary>English defaults in the visible text and in the labels a screen reader or a tooltip shows.</summary>
    static async Task<List<string>> EnglishOnPageAsync(IPage page)
    {
        var texts = await page.EvaluateAsync<string[]>("""
            () => [document.body.innerText,
                   ...[...document.querySelectorAll('[aria-label],[title],[placeholder]')]
                      .flatMap(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')])
                      .filter(x => x)]
            """);
        return texts.SelectMany(t => MudEnglish.Value.Matches(t).Select(m => m.Value)).Distinct().ToList();
    }
}
