using Bunit;
using KaMeng.Domain;
using KaMeng.Web.Features.Admin.Orders;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace KaMeng.Tests.Components.Orders;

/// <summary>The processing queue's labels and its 发货 dialog (issue 17 §3).</summary>
public class OrderAdminTests : MudContext
{
    static readonly OrderRow Order = new()
    {
        Id = 7, Number = "KM20261203000007", ProductName = "移动话费 50 元 直充", Quantity = 1, Total = Money.FromYuan(50),
        Status = OrderStatus.Processing, DeliveryType = DeliveryType.DirectTopUp, BuyerName = "demo-buyer",
    };

    [Fact]
    public void Inputs_are_shown_under_the_products_labels_in_its_field_order_and_an_unknown_key_keeps_its_key()
    {
        InputField[] fields =
        [
            new() { Key = "phone", Label = "手机号", Type = InputFieldType.Phone },
            new() { Key = "qq", Label = "QQ 号", Type = InputFieldType.QQ },
        ];
        var inputs = AdminOrderQueries.LabelInputs("""{"qq":"10001","phone":"13800138000","old":"x"}""", fields);
        Assert.Equal([new("手机号", "13800138000"), new("QQ 号", "10001"), new OrderInput("old", "x")], inputs);
        Assert.Empty(AdminOrderQueries.LabelInputs(null, fields));
    }

    async Task<(IRenderedComponent<MudTestHost> Host, Task<DialogResult?> Result)> OpenCompleteAsync()
    {
        var host = RenderHosted(_ => { });
        var dialogs = Services.GetRequiredService<IDialogService>();
        var reference = await host.InvokeAsync(() => dialogs.ShowAsync<CompleteDialog>("发货", new DialogParameters<CompleteDialog> { { d => d.Order, Order } }));
        return (host, reference.Result);
    }

    [Fact]
    public async Task The_complete_dialog_repeats_the_order_and_refuses_an_empty_note_in_chinese()
    {
        var (host, result) = await OpenCompleteAsync();
        var summary = host.WaitForElement("[data-testid=complete-summary]");
        Assert.Contains("¥50.00", summary.TextContent);
        Assert.Contains("demo-buyer", summary.TextContent);
        await host.Find("[data-testid=confirm-complete]").ClickAsync(new MouseEventArgs());
        host.WaitForAssertion(() => Assert.Contains("请填写发货内容", host.Markup));
        Assert.False(result.IsCompleted);

        host.Find("#delivery-note").Input("  已充值，流水 8899 ");
        host.WaitForAssertion(() => Assert.DoesNotContain("请填写发货内容", host.Markup));
        await host.Find("[data-testid=confirm-complete]").ClickAsync(new MouseEventArgs());
        var done = await result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(done!.Canceled);
        Assert.Equal("已充值，流水 8899", done.Data);
    }

    [Fact]
    public async Task Cancelling_the_complete_dialog_delivers_nothing()
    {
        var (host, result) = await OpenCompleteAsync();
        await host.WaitForElement("[data-testid=cancel-complete]").ClickAsync(new MouseEventArgs());
        Assert.True((await result.WaitAsync(TimeSpan.FromSeconds(5)))!.Canceled);
    }
}
