using Bunit;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.OwnStation.Tabs;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Components.OwnStation;

/// <summary>我的分站 · 售价规则 in bUnit on the seeded demo database: a rule that sells above a product's face value (面值)
/// is warned about, listing the products, before it is saved (issue 17 §3); the form validates in Chinese.</summary>
public sealed class PriceRulesTabTests : MudContext, IAsyncLifetime
{
    const int Demo = 2; // the seeded 演示分站: buys below the base price, which is the face value
    const string Card = "王者荣耀 60 点券"; // face ¥6.00
    static readonly AuditActor Owner = new("demo-owner-id", "demo-owner", Demo);
    TestDatabase db = default!;
    PriceRuleService rules = default!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var prices = new PriceResolver(db.DbFactory);
        rules = new PriceRuleService(db.DbFactory, prices, TimeProvider.System);
        Services.AddSingleton(db.DbFactory);
        Services.AddSingleton(prices);
        Services.AddSingleton(rules);
        Services.AddSingleton<KaMeng.Web.Features.Admin.OwnStation.OwnStationQueries>();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await db.DisposeAsync();
    }

    IRenderedComponent<MudTestHost> RenderTab()
    {
        var host = RenderHosted(b =>
        {
            b.OpenComponent<PriceRulesTab>(0);
            b.AddAttribute(1, nameof(PriceRulesTab.StationId), Demo);
            b.AddAttribute(2, nameof(PriceRulesTab.Actor), Owner);
            b.CloseComponent();
        });
        host.WaitForElement("[data-testid=save-rule]");
        return host;
    }

    static string Field(string testId) => $"[data-testid={testId}] input, input[data-testid={testId}]";

    async Task<int> RuleCountAsync()
    {
        await using var c = db.NewContext();
        return await c.PriceRules.CountAsync(r => r.StationId == Demo);
    }

    [Fact]
    public async Task The_service_lists_the_products_a_rule_would_sell_above_face_value_and_none_for_a_rule_below_it()
    {
        var above = await rules.CheckAsync(Demo, new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.All, null, null, PriceRuleKind.PlusPercent, "20", PriceRounding.Fen), Owner);
        Assert.Null(above.Error);
        var card = Assert.Single(above.AboveFaceValue, p => p.Name == Card);
        Assert.Equal(Money.FromFen(600), card.FaceValue);
        Assert.True(card.Price > card.FaceValue, $"{card.Price}");

        var below = await rules.CheckAsync(Demo, new PriceRuleInput(PriceRuleAudience.Selling, PriceRuleScope.All, null, null, PriceRuleKind.PlusPercent, "1", PriceRounding.Fen), Owner);
        Assert.Null(below.Error);
        Assert.Empty(below.AboveFaceValue);
        Assert.Equal(0, await RuleCountAsync()); // checking saves nothing
    }

    [Fact]
    public async Task A_rule_above_face_value_asks_first_listing_the_products_and_is_saved_only_when_confirmed()
    {
        var host = RenderTab();
        host.Find(Field("rule-value")).Input("20");
        host.Find("[data-testid=save-rule]").Click();

        var message = host.WaitForElement("[data-testid=confirm-message]");
        Assert.Contains("售价高于面值", message.TextContent);
        Assert.Contains($"「{Card}」面值 ¥6.00，售价 ¥", message.TextContent);
        Assert.Contains(Card, host.Find("[data-testid=face-value-warning]").TextContent);

        host.Find("[data-testid=confirm-cancel]").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=confirm-message]")));
        Assert.Equal(0, await RuleCountAsync());
        Assert.NotEmpty(host.FindAll("[data-testid=face-value-warning]")); // the warning stays beside the form

        host.Find("[data-testid=save-rule]").Click();
        host.WaitForElement("[data-testid=confirm-ok]").Click();
        host.WaitForAssertion(() => Assert.Contains("成本 +20%", host.Find("[data-testid=rule-grid]").TextContent));
        Assert.Equal(1, await RuleCountAsync());
        Assert.Contains("规则已保存", host.Find("[data-testid=toast]").TextContent);
        Assert.Empty(host.FindAll("[data-testid=face-value-warning]"));
        host.WaitForAssertion(() => Assert.NotEmpty(host.FindAll("[data-testid=above-face-chip]")));
    }

    [Fact]
    public async Task A_rule_within_face_value_is_saved_without_a_question()
    {
        var host = RenderTab();
        host.Find(Field("rule-value")).Input("1");
        host.Find("[data-testid=save-rule]").Click();
        host.WaitForAssertion(() => Assert.Contains("成本 +1%", host.Find("[data-testid=rule-grid]").TextContent));
        Assert.Empty(host.FindAll("[data-testid=confirm-message]"));
        Assert.Empty(host.FindAll("[data-testid=face-value-warning]"));
        Assert.Equal(1, await RuleCountAsync());
        Assert.DoesNotContain("请填写百分比", host.Markup); // the cleared value is not flagged after a save
    }

    [Fact]
    public async Task An_empty_percentage_is_refused_in_chinese_next_to_the_field_and_nothing_is_saved()
    {
        var host = RenderTab();
        host.Find("[data-testid=save-rule]").Click();
        host.WaitForAssertion(() => Assert.Contains("请填写百分比", host.Markup));
        Assert.Equal(0, await RuleCountAsync());
        host.Find(Field("rule-value")).Input("5");
        host.WaitForAssertion(() => Assert.DoesNotContain("请填写百分比", host.Markup));
    }
}
