using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

/// <summary>提现审核 as a finance clerk meets it (issue 17 §3): the payout account in full with a copy button, the reference
/// and the rejection reason as separate fields, 已打款 confirmed with amount and account, every fact readable on a phone.</summary>
public class WithdrawalReviewTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    const string LongAccount = "银行卡 招商银行北京分行营业部 6225 8801 2345 6789 012 户名 张三丰";
    const string Alipay = "支付宝 buyer-payout@example.cn";

    async Task<(long Owner, long Buyer)> SeedAsync()
    {
        await using var db = fx.App.NewContext();
        var owner = await db.Users.SingleAsync(u => u.UserName == "demo-owner");
        var buyer = await db.Users.SingleAsync(u => u.UserName == "demo-buyer");
        var now = DateTimeOffset.UtcNow;
        var a = new Withdrawal { UserId = owner.Id, StationId = Station.MainStationId, Amount = Money.FromYuan(88), Fee = Money.FromFen(88), PayoutAccount = LongAccount, CreatedAt = now.AddMinutes(-5) };
        var b = new Withdrawal { UserId = buyer.Id, Amount = Money.FromYuan(20), Fee = Money.FromFen(20), PayoutAccount = Alipay, CreatedAt = now.AddMinutes(-3) };
        db.Withdrawals.AddRange(a, b);
        await db.SaveChangesAsync();
        return (a.Id, b.Id);
    }

    [Fact]
    public async Task Finance_reads_the_whole_account_copies_it_confirms_the_payout_and_rejects_with_a_reason()
    {
        var (ownerRequest, buyerRequest) = await SeedAsync();
        var page = await fx.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = fx.App.BaseUrl });
        await new LoginPage(page).LoginAsAsync("demo-finance", TestAccounts.DemoPassword, "/admin/finance/withdrawals");
        var admin = new AdminPage(page);
        await admin.WaitForCircuitAsync();
        var review = new WithdrawalReviewPage(page);

        // The account in full, never cut; the copy button puts it on the clipboard.
        await Assertions.Expect(review.Account("demo-owner")).ToHaveTextAsync(LongAccount);
        await Assertions.Expect(review.Amount("demo-owner")).ToHaveTextAsync("¥88.00");
        await review.CopyAccount("demo-owner").ClickAsync();
        await Assertions.Expect(admin.Notification("已复制收款账户")).ToBeVisibleAsync();
        Assert.Equal(LongAccount, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        // At 390 px every fact of a request is on screen, inside the width.
        await BrowserFixture.ScreenshotsAsync(page, "finance-withdrawal-review");
        await page.SetViewportSizeAsync(390, 844);
        foreach (var fact in new[] { review.Row("demo-owner").GetByTestId("withdrawal-user"), review.Amount("demo-owner"), review.Account("demo-owner"), review.Reference("demo-owner"), review.Approve("demo-owner"), review.Reject("demo-owner") })
        {
            await fact.ScrollIntoViewIfNeededAsync();
            await Assertions.Expect(fact).ToBeInViewportAsync();
            var box = await fact.BoundingBoxAsync();
            Assert.True(box!.X >= 0 && box.X + box.Width <= 390, $"{await fact.InnerTextAsync()} lies inside 390 px (x = {box.X}, width = {box.Width})");
        }
        await Assertions.Expect(review.Row("demo-owner")).ToContainTextAsync("手续费 ¥0.88");
        await page.SetViewportSizeAsync(1280, 800);

        // 已打款 needs the reference first, then asks, repeating amount and account; cancelling changes nothing.
        await review.Approve("demo-owner").ClickAsync();
        await Assertions.Expect(review.Row("demo-owner")).ToContainTextAsync("请填写打款流水号");
        await Assertions.Expect(admin.Confirmation).ToHaveCountAsync(0);
        await review.Reference("demo-owner").FillAsync("CMB-20261203-77");
        await Assertions.Expect(review.Row("demo-owner")).Not.ToContainTextAsync("请填写打款流水号");
        await review.Approve("demo-owner").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("¥88.00");
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync(LongAccount);
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("CMB-20261203-77");
        await admin.CancelConfirmationAsync();
        await Assertions.Expect(admin.Confirmation).ToHaveCountAsync(0);
        await using (var db = fx.App.NewContext())
            Assert.Equal(WithdrawalStatus.Pending, (await db.Withdrawals.SingleAsync(w => w.Id == ownerRequest)).Status);

        await review.Approve("demo-owner").ClickAsync();
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("已确认打款")).ToBeVisibleAsync();
        await Assertions.Expect(review.Row("demo-owner")).ToHaveCountAsync(0);

        // The rejection reason is its own field: the reference field stays empty and is not used.
        await review.Reason("demo-buyer").FillAsync("账户实名与申请人不符");
        await review.Reject("demo-buyer").ClickAsync();
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync("¥20.00");
        await Assertions.Expect(admin.Confirmation).ToContainTextAsync(Alipay);
        await admin.ConfirmAsync();
        await Assertions.Expect(admin.Notification("已驳回")).ToBeVisibleAsync();

        await review.ShowAllAsync();
        await Assertions.Expect(review.Result("demo-owner")).ToHaveTextAsync("已打款 · 流水号 CMB-20261203-77");
        await Assertions.Expect(review.Result("demo-buyer")).ToHaveTextAsync("已驳回：账户实名与申请人不符");
        await using (var db = fx.App.NewContext())
        {
            var paid = await db.Withdrawals.SingleAsync(w => w.Id == ownerRequest);
            var rejected = await db.Withdrawals.SingleAsync(w => w.Id == buyerRequest);
            Assert.Equal(("CMB-20261203-77", (string?)null), (paid.PayoutReference, paid.RejectReason));
            Assert.Equal(((string?)null, "账户实名与申请人不符"), (rejected.PayoutReference, rejected.RejectReason));
        }
    }
}
