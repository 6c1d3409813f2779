using Bunit;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.CardKeys;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace KaMeng.Tests.Components.CardKeys;

/// <summary>The import panel (导入卡密) in bUnit against a real SQLite database: what must be filled before a preview,
/// the preview's classification, and the import it confirms.</summary>
public sealed class CardKeyImportPanelTests : MudContext, IAsyncLifetime
{
    const int Main = Station.MainStationId;
    static readonly CardKeyActor Admin = new("admin-user-id", "admin");
    TestDatabase db = default!;
    Product product = default!;
    readonly List<CardKeyImportResult> imported = [];

    async Task IAsyncLifetime.InitializeAsync()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, s => s.AddSingleton<CardKeyImportService>());
        Services.AddSingleton(db.Services.GetRequiredService<CardKeyImportService>());
        await using var ctx = db.NewContext();
        product = await ctx.Products.AsNoTracking().SingleAsync(p => p.Name == "王者荣耀 60 点券");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await db.DisposeAsync();
    }

    IRenderedComponent<MudTestHost> RenderPanel() => RenderHosted(b =>
    {
        b.OpenComponent<CardKeyImportPanel>(0);
        b.AddAttribute(1, nameof(CardKeyImportPanel.StationId), Main);
        b.AddAttribute(2, nameof(CardKeyImportPanel.ProductId), product.Id);
        b.AddAttribute(3, nameof(CardKeyImportPanel.Actor), Admin);
        b.AddAttribute(4, nameof(CardKeyImportPanel.Imported), EventCallback.Factory.Create<CardKeyImportResult>(this, r => imported.Add(r)));
        b.CloseComponent();
    });

    /// <summary>The input of a MudBlazor field, wherever MudBlazor puts the data-testid.</summary>
    static string Field(string testId) => $"[data-testid={testId}] input, input[data-testid={testId}], [data-testid={testId}] textarea, textarea[data-testid={testId}]";

    static string Count(IRenderedComponent<MudTestHost> host, string which) => host.Find($"[data-testid=preview-{which}]").TextContent.Trim();

    async Task<string> ExistingSecretAsync()
    {
        await using var ctx = db.NewContext();
        var cipher = await ctx.CardKeys.Where(k => k.ProductId == product.Id).OrderBy(k => k.Id).Select(k => k.SecretCipher).FirstAsync();
        return db.Services.GetRequiredService<CardKeyVault>().Unprotect(cipher);
    }

    [Fact]
    public void Previewing_nothing_says_so_next_to_the_text_and_the_message_goes_once_keys_are_typed()
    {
        var host = RenderPanel();
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("true", host.Find(Field("import-text")).GetAttribute("aria-invalid")));
        Assert.Contains("请粘贴卡密，或选择一个文件", host.Markup);
        Assert.Empty(host.FindAll("[data-testid=preview-summary]"));

        host.Find(Field("import-text")).Change("FIXED-KEY-0001");
        host.WaitForAssertion(() => Assert.DoesNotContain("请粘贴卡密，或选择一个文件", host.Markup));
        Assert.Equal("false", host.Find(Field("import-text")).GetAttribute("aria-invalid"));
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("1", Count(host, "new")));
    }

    [Fact]
    public async Task A_custom_separator_must_be_filled_before_a_pair_preview()
    {
        var host = RenderPanel();
        await host.InvokeAsync(() => host.FindComponent<MudRadioGroup<CardKeyImportMode>>().Instance.ValueChanged.InvokeAsync(CardKeyImportMode.Pair));
        await host.InvokeAsync(() => host.FindComponent<MudSelect<CardKeySeparator>>().Instance.ValueChanged.InvokeAsync(CardKeySeparator.Custom));
        host.Find(Field("import-text")).Change("700001##pw1\n700002##pw2");
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("true", host.Find(Field("custom-separator")).GetAttribute("aria-invalid")));
        Assert.Contains("请填写自定义分隔符", host.Markup);
        Assert.Empty(host.FindAll("[data-testid=preview-summary]"));

        host.Find(Field("custom-separator")).Input("##");
        host.WaitForAssertion(() => Assert.DoesNotContain("请填写自定义分隔符", host.Markup));
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("2", Count(host, "new")));
        Assert.Equal("0", Count(host, "malformed"));
    }

    [Fact]
    public async Task The_preview_counts_new_duplicate_and_blank_lines_lists_the_skipped_ones_and_the_import_takes_only_the_new()
    {
        var existing = await ExistingSecretAsync();
        var host = RenderPanel();
        host.Find(Field("import-text")).Change($"PANEL-NEW-1\n{existing}\n\nPANEL-NEW-2\nPANEL-NEW-1");
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("2", Count(host, "new")));
        Assert.Equal("1", Count(host, "dup-batch"));
        Assert.Equal("1", Count(host, "dup-existing"));
        Assert.Equal("1", Count(host, "blank"));
        Assert.Equal("0", Count(host, "malformed"));
        var problems = host.FindAll("[data-testid=problem-grid] tr").Where(tr => tr.QuerySelector("[data-testid=problem-line]") is not null)
            .Select(tr => tr.TextContent).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("该卡密已在库存中") && p.Contains("库存已有"));
        Assert.Contains(problems, p => p.Contains("与第 1 行重复") && p.Contains("批内重复"));
        Assert.Equal("确认导入 2 个", host.Find("[data-testid=confirm-import]").TextContent.Trim());

        // Any edit drops the preview: what is imported is what was previewed.
        host.Find(Field("import-text")).Change("PANEL-NEW-1\nPANEL-NEW-2\nPANEL-NEW-3");
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=preview-summary]")));
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("确认导入 3 个", host.Find("[data-testid=confirm-import]").TextContent.Trim()));

        host.Find("[data-testid=confirm-import]").Click();
        host.WaitForAssertion(() => Assert.Contains("已导入 3 个卡密", host.Find("[data-testid=import-result]").TextContent));
        Assert.Contains(host.FindAll("[data-testid=toast]"), t => t.TextContent.Contains("已导入 3 个卡密"));
        var result = Assert.Single(imported);
        Assert.Equal(3, result.Imported);
        Assert.Empty(host.FindAll("[data-testid=preview-summary]"));
        await using var ctx = db.NewContext();
        Assert.Equal(3, await ctx.CardKeys.CountAsync(k => k.BatchId == result.BatchId));
    }

    [Fact]
    public async Task An_uploaded_csv_of_card_numbers_and_passwords_is_previewed_instead_of_the_text()
    {
        var host = RenderPanel();
        await host.InvokeAsync(() => host.FindComponent<MudRadioGroup<CardKeyImportMode>>().Instance.ValueChanged.InvokeAsync(CardKeyImportMode.Pair));
        host.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("卡号,密码\r\n810001,pw-1\r\n810002\r\n", "cards.csv"));
        host.WaitForAssertion(() => Assert.Contains("cards.csv", host.Find("[data-testid=import-file-name]").TextContent));
        host.Find("[data-testid=preview]").Click();
        host.WaitForAssertion(() => Assert.Equal("1", Count(host, "new")));
        Assert.Equal("1", Count(host, "malformed"));
        Assert.Contains("缺少密码列", host.Find("[data-testid=problem-grid]").TextContent);

        host.Find("[data-testid=remove-file]").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=import-file-name]")));
        Assert.Empty(host.FindAll("[data-testid=preview-summary]"));
    }
}
