using System.Security.Claims;
using Bunit;
using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Orders;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace KaMeng.Tests.Components.Orders;

/// <summary>The 退款 dialog over a real database: it says what will happen before anything does, refuses bad input in
/// Chinese without moving money, and closes with what happened.</summary>
public sealed class RefundDialogTests : MudContext, IAsyncLifetime
{
    CommerceHarness h = default!;
    string buyer = default!;
    Order order = default!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite, s => s.AddPaymentServices());
        var product = await h.AddCardKeyProductAsync(keys: 5, priceFen: 1000);
        buyer = (await h.AddBuyersAsync(1, balanceFen: 10000))[0];
        var placed = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, 1, buyer, Guid.NewGuid().ToString("N")));
        Assert.True(placed.Succeeded, placed.Error);
        await using (var db = h.Db.NewContext()) order = await db.Orders.AsNoTracking().SingleAsync(o => o.Number == placed.OrderNumber);

        Services.AddSingleton(h.Get<RefundService>());
        Services.AddSingleton(h.Db.DbFactory);
        Services.AddScoped<CurrentAdmin>();
        AddAuthorization().SetAuthorized("admin").SetRoles(Roles.PlatformAdmin).SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin-id"));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await h.DisposeAsync();
    }

    async Task<(IRenderedComponent<MudTestHost> Host, Task<DialogResult?> Result)> OpenAsync()
    {
        var host = RenderHosted(_ => { });
        var row = new OrderRow { Id = order.Id, Number = order.Number, Total = order.Total, Status = order.Status, BuyerName = buyer };
        var dialogs = Services.GetRequiredService<IDialogService>();
        var reference = await host.InvokeAsync(() => dialogs.ShowAsync<RefundDialog>("退款", new DialogParameters<RefundDialog> { { d => d.Order, row } }));
        host.WaitForElement("[data-testid=refund-summary]");
        return (host, reference.Result);
    }

    async Task<OrderStatus> StatusAsync()
    {
        await using var db = h.Db.NewContext();
        return (await db.Orders.AsNoTracking().SingleAsync(o => o.Id == order.Id)).Status;
    }

    [Fact]
    public async Task It_repeats_what_was_paid_offers_the_rest_and_says_the_keys_will_never_be_sold_again()
    {
        var (host, _) = await OpenAsync();
        var summary = host.Find("[data-testid=refund-summary]").TextContent;
        Assert.Contains("已付 ¥10.00", summary);
        Assert.Contains("可退 ¥10.00", summary);
        Assert.Equal("10.00", host.Find("#refund-amount").GetAttribute("value"));
        Assert.Contains("确认退款 ¥10.00", host.Find("[data-testid=confirm-refund]").TextContent);
        Assert.Contains("账户余额", host.Find("[data-testid=refund-method-note]").TextContent);
        Assert.Contains("永不再售", host.Find("[data-testid=refund-keys-note]").TextContent);
    }

    [Fact]
    public async Task Without_a_reason_nothing_is_refunded_and_the_field_says_why_in_chinese()
    {
        var (host, result) = await OpenAsync();
        await host.Find("[data-testid=confirm-refund]").ClickAsync(new MouseEventArgs());
        host.WaitForAssertion(() => Assert.Contains("请填写退款原因", host.Markup));
        Assert.False(result.IsCompleted);
        Assert.Equal(10000 - 1000, await h.BalanceAsync(buyer));
        Assert.Equal(OrderStatus.Delivered, await StatusAsync());
    }

    [Fact]
    public async Task An_amount_above_what_remains_is_refused_in_the_dialog_and_moves_no_money()
    {
        var (host, result) = await OpenAsync();
        host.Find("#refund-amount").Input("10.01");
        host.Find("#refund-reason").Input("买家要求");
        host.WaitForAssertion(() => Assert.Contains("确认退款 ¥10.01", host.Find("[data-testid=confirm-refund]").TextContent));
        await host.Find("[data-testid=confirm-refund]").ClickAsync(new MouseEventArgs());
        host.WaitForAssertion(() => Assert.Contains("超过可退金额 ¥10.00", host.Find("[data-testid=refund-error]").TextContent));
        Assert.False(result.IsCompleted);
        Assert.Equal(10000 - 1000, await h.BalanceAsync(buyer));
        Assert.Equal(OrderStatus.Delivered, await StatusAsync());
    }

    [Fact]
    public async Task A_partial_refund_goes_back_to_the_balance_and_the_dialog_closes_saying_so()
    {
        var (host, result) = await OpenAsync();
        host.Find("#refund-amount").Input("3.00");
        host.Find("#refund-reason").Input("少发一张");
        host.WaitForAssertion(() => Assert.Contains("确认退款 ¥3.00", host.Find("[data-testid=confirm-refund]").TextContent));
        await host.Find("[data-testid=confirm-refund]").ClickAsync(new MouseEventArgs());
        var done = await result.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(done!.Canceled);
        Assert.Equal("已退款：退回余额", done.Data);
        Assert.Equal(10000 - 1000 + 300, await h.BalanceAsync(buyer));
        Assert.Equal(OrderStatus.Delivered, await StatusAsync());
        await h.AssertBooksAsync();
    }

    [Fact]
    public async Task Cancelling_refunds_nothing()
    {
        var (host, result) = await OpenAsync();
        await host.InvokeAsync(() => host.FindAll("button").Single(b => b.TextContent.Trim() == "取消").Click());
        Assert.True((await result.WaitAsync(TimeSpan.FromSeconds(10)))!.Canceled);
        Assert.Equal(10000 - 1000, await h.BalanceAsync(buyer));
    }
}
