using Bunit;
using KaMeng.Web.Features.Admin.Finance;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace KaMeng.Tests.Components.Finance;

/// <summary>The payout account of 提现审核: shown in full, copied by its button (issue 17 §3).</summary>
public class CopyableTextTests : MudContext
{
    const string Account = "银行卡 招商银行北京分行营业部 6225 8801 2345 6789 012 户名 张三丰";

    static RenderFragment Copyable(string text) => (RenderTreeBuilder b) =>
    {
        b.OpenComponent<CopyableText>(0);
        b.AddAttribute(1, nameof(CopyableText.Text), text);
        b.AddAttribute(2, nameof(CopyableText.What), "收款账户");
        b.AddAttribute(3, nameof(CopyableText.TestId), "withdrawal-account");
        b.CloseComponent();
    };

    [Fact]
    public void The_whole_account_is_shown_and_the_button_copies_it_and_says_so()
    {
        var host = RenderHosted(Copyable(Account));
        Assert.Equal(Account, host.Find("[data-testid=withdrawal-account]").TextContent);
        host.Find("[data-testid=withdrawal-account-copy]").Click();
        var call = JSInterop.VerifyInvoke("navigator.clipboard.writeText");
        Assert.Equal(Account, call.Arguments.Single());
        Assert.Contains("已复制收款账户", host.WaitForElement("[data-testid=toast]").TextContent);
    }

    [Fact]
    public void A_browser_that_refuses_the_clipboard_gets_a_warning_not_a_broken_page()
    {
        JSInterop.SetupVoid("navigator.clipboard.writeText", _ => true).SetException(new Microsoft.JSInterop.JSException("denied"));
        var host = RenderHosted(Copyable(Account));
        host.Find("[data-testid=withdrawal-account-copy]").Click();
        var toast = host.WaitForElement("[data-testid=toast]");
        Assert.Equal("warning", toast.GetAttribute("data-severity"));
    }
}
