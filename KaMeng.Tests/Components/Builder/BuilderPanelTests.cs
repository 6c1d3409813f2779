using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit;
using KaMeng.Domain;
using KaMeng.Web.Features.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace KaMeng.Tests.Components.Builder;

/// <summary>The builder's panels that need no browser: block settings checked before saving, versions rolled back after a confirmation.</summary>
public class BuilderPanelTests : MudContext
{
    static readonly LayoutRules Rules = new(_ => true, _ => true, (_, _) => null);

    static JsonObject Defaults(string type) =>
        JsonSerializer.SerializeToNode(BlockTypes.Find(type)!.NewSettings(), BlockTypes.Find(type)!.SettingsType, PageLayout.Json)!.AsObject();

    IRenderedComponent<MudTestHost> RenderSettings(EditorBlock block, JsonObject editing, bool mainLock, Action applied) =>
        RenderHosted(b =>
        {
            b.OpenComponent<BlockSettingsPanel>(0);
            b.AddAttribute(1, nameof(BlockSettingsPanel.Block), block);
            b.AddAttribute(2, nameof(BlockSettingsPanel.Editing), editing);
            b.AddAttribute(3, nameof(BlockSettingsPanel.Rules), Rules);
            b.AddAttribute(4, nameof(BlockSettingsPanel.Upload), (Func<IBrowserFile, Task<string?>>)(_ => Task.FromResult<string?>(null)));
            b.AddAttribute(5, nameof(BlockSettingsPanel.MainLock), mainLock);
            b.AddAttribute(6, nameof(BlockSettingsPanel.OnApply), EventCallback.Factory.Create(this, applied));
            b.CloseComponent();
        });

    [Fact]
    public void Invalid_settings_are_shown_in_chinese_and_not_applied_until_fixed()
    {
        var applied = 0;
        var editing = Defaults(BlockTypes.ProductGrid);
        var host = RenderSettings(new EditorBlock { Id = "pg0001", Type = BlockTypes.ProductGrid }, editing, false, () => applied++);

        host.Find("input[data-testid=setting-columns]").Change("9");
        host.Find("[data-testid=apply-settings]").Click();
        Assert.Contains("每行列数须在 1–6 之间", host.WaitForElement("[data-testid=settings-errors]").TextContent);
        Assert.Equal(0, applied);

        host.Find("input[data-testid=setting-columns]").Change("3"); // fixed: the message goes at once
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=settings-errors]")));
        host.Find("input[data-testid=setting-title]").Change("本周热卖");
        host.Find("[data-testid=apply-settings]").Click();
        Assert.Equal(1, applied);
        Assert.Equal(3, editing["columns"]!.GetValue<int>());
        Assert.Equal("本周热卖", editing["title"]!.GetValue<string>());
    }

    [Fact]
    public void A_block_the_main_station_locked_is_shown_without_a_form()
    {
        var host = RenderSettings(new EditorBlock { Id = "nt0001", Type = BlockTypes.Notice }, Defaults(BlockTypes.Notice), true, () => { });
        Assert.Contains("此区块由总站锁定，分站不能修改。", host.Markup);
        Assert.Empty(host.FindAll("[data-testid=apply-settings]"));
        Assert.Empty(host.FindAll("[data-testid=setting-text]"));
    }

    [Fact]
    public void Versions_list_newest_first_mark_the_live_one_and_roll_back_only_after_confirming()
    {
        var rolledBack = new List<int>();
        var at = new DateTimeOffset(2026, 5, 1, 2, 30, 0, TimeSpan.Zero);
        List<StorePageVersion> versions =
        [
            new() { Number = 3, LayoutJson = "{}", PublishedAt = at.AddHours(2), PublishedBy = "demo-owner", RestoredFrom = 1 },
            new() { Number = 2, LayoutJson = "{}", PublishedAt = at.AddHours(1), PublishedBy = "demo-owner" },
            new() { Number = 1, LayoutJson = "{}", PublishedAt = at, PublishedBy = "admin" },
        ];
        var host = RenderHosted(b =>
        {
            b.OpenComponent<VersionsPanel>(0);
            b.AddAttribute(1, nameof(VersionsPanel.Versions), (IReadOnlyList<StorePageVersion>)versions);
            b.AddAttribute(2, nameof(VersionsPanel.PublishedNumber), (int?)3);
            b.AddAttribute(3, nameof(VersionsPanel.PageName), "首页");
            b.AddAttribute(4, nameof(VersionsPanel.OnRollBack), EventCallback.Factory.Create<int>(this, n => rolledBack.Add(n)));
            b.CloseComponent();
        });

        var rows = host.FindAll("[data-testid=version]");
        Assert.Equal(["3", "2", "1"], rows.Select(r => r.GetAttribute("data-version")));
        Assert.Contains("（回滚自 1）", rows[0].TextContent);
        Assert.Contains("05-01 10:30 · admin", rows[2].TextContent); // business time (UTC+8)
        Assert.NotNull(rows[0].QuerySelector("[data-testid=live-version]"));
        Assert.Empty(host.FindAll("[data-testid=rollback-3]"));

        host.Find("[data-testid=rollback-1]").Click();
        Assert.Contains("版本 1", host.WaitForElement("[data-testid=confirm-message]").TextContent);
        host.Find("[data-testid=confirm-cancel]").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=confirm-message]")));
        Assert.Empty(rolledBack);

        host.Find("[data-testid=rollback-1]").Click();
        host.WaitForElement("[data-testid=confirm-ok]").Click();
        host.WaitForAssertion(() => Assert.Equal([1], rolledBack));
    }

    [Fact]
    public void A_page_never_published_says_so()
    {
        var host = RenderHosted(b => { b.OpenComponent<VersionsPanel>(0); b.CloseComponent(); });
        Assert.Contains("还没有发布过", host.Find("[data-testid=empty-state]").TextContent);
    }
}
