using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KaMeng.Tests.Browser;

public class CardKeyInventoryTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    async Task<string> ExistingSecretAsync(string productName)
    {
        await using var db = fx.App.NewContext();
        var cipher = await db.CardKeys.Where(k => db.Products.Any(p => p.Id == k.ProductId && p.Name == productName) && k.Status == CardKeyStatus.Available)
            .OrderBy(k => k.Id).Select(k => k.SecretCipher).FirstAsync();
        return fx.App.Services.GetRequiredService<CardKeyVault>().Unprotect(cipher);
    }

    async Task<CardKeyInventoryPage> SignInAsync()
    {
        var page = await fx.NewPageAsync();
        await new LoginPage(page).LoginAsAsync("admin", TestAccounts.AdminPassword, "/admin/card-keys");
        var inventory = new CardKeyInventoryPage(page);
        await inventory.Admin.WaitForCircuitAsync();
        return inventory;
    }

    [Fact]
    public async Task Admin_pastes_keys_sees_duplicates_in_the_preview_imports_the_new_ones_and_exports_them()
    {
        const string product = "王者荣耀 60 点券";
        var existing = await ExistingSecretAsync(product);
        // 2,000 new keys (more than SignalR's default 32 KB message), one repeated, one already in stock, one blank line.
        var fresh = Enumerable.Range(1, 2000).Select(i => $"BROWSER-NEW-{i:D6}").ToList();
        var text = string.Join("\n", [fresh[0], existing, .. fresh[1..], "", fresh[0]]);

        var inventory = await SignInAsync();
        var page = inventory.Page;
        await inventory.SelectProductAsync(product);
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("20");

        await inventory.PasteAsync(text);
        await inventory.PreviewAsync();
        await Assertions.Expect(inventory.PreviewCount("new")).ToHaveTextAsync("2000");
        await Assertions.Expect(inventory.PreviewCount("dup-batch")).ToHaveTextAsync("1");
        await Assertions.Expect(inventory.PreviewCount("dup-existing")).ToHaveTextAsync("1");
        await Assertions.Expect(inventory.PreviewCount("blank")).ToHaveTextAsync("1");
        await Assertions.Expect(inventory.PreviewCount("malformed")).ToHaveTextAsync("0");
        await Assertions.Expect(inventory.ProblemRows.Filter(new() { HasText = "该卡密已在库存中" })).ToContainTextAsync("2");
        await Assertions.Expect(inventory.ProblemRows.Filter(new() { HasText = "与第 1 行重复" })).ToContainTextAsync("2003");
        await inventory.PreviewSummary.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotsAsync(page, "card-keys-preview");

        var message = await inventory.ImportAsync();
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("2020");
        var batchNumber = message.Split("批次号").Last().Trim();
        Assert.Matches("^B[0-9]{14}[A-Z2-9]{6}$", batchNumber);
        await BrowserFixture.ScreenshotsAsync(page, "card-keys-imported");

        var download = await page.RunAndWaitForDownloadAsync(() => inventory.ExportLink(batchNumber).ClickAsync());
        Assert.Equal($"{batchNumber}-unsold.txt", download.SuggestedFilename);
        var exported = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.Equal(fresh, exported);

        await using var db = fx.App.NewContext();
        Assert.Equal(2000, await db.CardKeys.CountAsync(k => db.CardKeyBatches.Any(b => b.Id == k.BatchId && b.Number == batchNumber)));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "cardkey.import" && a.Target == $"batch:{batchNumber}" && a.UserName == "admin"));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "cardkey.export" && a.Target == $"batch:{batchNumber}" && a.UserName == "admin"));
    }

    [Fact]
    public async Task Admin_reveals_a_key_after_a_logged_warning_voids_another_and_voids_two_more_at_once_after_a_confirmation_naming_the_count()
    {
        const string product = "Steam 钱包 50 元";
        var inventory = await SignInAsync();
        await inventory.SelectProductAsync(product);
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("20");
        await Assertions.Expect(inventory.KeyRows).ToHaveCountAsync(20);

        var firstRow = inventory.KeyRows.First;
        var id = await CardKeyInventoryPage.IdOfAsync(firstRow);
        var masked = (await firstRow.GetByTestId("masked-secret").InnerTextAsync()).Trim();
        var secret = await inventory.RevealAsync(firstRow);

        await using (var db = fx.App.NewContext())
        {
            var key = await db.CardKeys.SingleAsync(k => k.Id == id);
            Assert.Equal(fx.App.Services.GetRequiredService<CardKeyVault>().Unprotect(key.SecretCipher), secret);
            Assert.Equal(CardKeyVault.Mask(secret), masked);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "cardkey.reveal" && a.Target == $"cardkey:{id}" && a.UserName == "admin"));
        }

        await inventory.VoidAsync(inventory.KeyRows.Nth(1));
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("19");
        await Assertions.Expect(inventory.Void).ToHaveTextAsync("1");
        await Assertions.Expect(inventory.KeyRows.Nth(1)).ToContainTextAsync("作废");
        await Assertions.Expect(inventory.KeyRows.Nth(1).GetByTestId("void")).ToHaveCountAsync(0);

        // Batch actions show only with a selection; the confirmation repeats the count and a cancel voids nothing.
        await Assertions.Expect(inventory.BatchBar).ToHaveCountAsync(0);
        var third = await CardKeyInventoryPage.IdOfAsync(inventory.KeyRows.Nth(2));
        var fourth = await CardKeyInventoryPage.IdOfAsync(inventory.KeyRows.Nth(3));
        await inventory.SelectAsync(inventory.KeyRows.Nth(2));
        await inventory.SelectAsync(inventory.KeyRows.Nth(3));
        await Assertions.Expect(inventory.SelectedCount).ToHaveTextAsync("已选 2 个");
        await BrowserFixture.ScreenshotsAsync(inventory.Page, "card-keys-selection");
        await inventory.StartBatchVoidAsync();
        await Assertions.Expect(inventory.Admin.Confirmation).ToContainTextAsync("作废选中的 2 个卡密");
        await inventory.Admin.CancelConfirmationAsync();
        await Assertions.Expect(inventory.Admin.Confirmation).ToHaveCountAsync(0);
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("19");

        await inventory.StartBatchVoidAsync();
        await inventory.Admin.ConfirmAsync();
        await Assertions.Expect(inventory.Admin.Notification("已作废 2 个卡密")).ToBeVisibleAsync();
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("17");
        await Assertions.Expect(inventory.Void).ToHaveTextAsync("3");
        await Assertions.Expect(inventory.BatchBar).ToHaveCountAsync(0);
        await using var after = fx.App.NewContext();
        Assert.Equal(2, await after.CardKeys.CountAsync(k => (k.Id == third || k.Id == fourth) && k.Status == CardKeyStatus.Void));
        Assert.Equal(2, await after.AuditEntries.CountAsync(a => a.Action == "cardkey.void" && (a.Target == $"cardkey:{third}" || a.Target == $"cardkey:{fourth}")));
    }

    [Fact]
    public async Task Admin_uploads_a_csv_of_card_numbers_and_passwords()
    {
        const string product = "爱奇艺黄金会员 月卡";
        var csv = System.Text.Encoding.UTF8.GetBytes("\uFEFF卡号,密码\r\n600001,pw-a1\r\n600002,pw-a2\r\n600003\r\n600001,pw-a1\r\n");
        var inventory = await SignInAsync();
        await inventory.SelectProductAsync(product);
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("20");

        await inventory.ChoosePairModeAsync();
        await inventory.UploadAsync("iqiyi.csv", csv);
        await inventory.PreviewAsync();
        await Assertions.Expect(inventory.PreviewCount("new")).ToHaveTextAsync("2");
        await Assertions.Expect(inventory.PreviewCount("dup-batch")).ToHaveTextAsync("1");
        await Assertions.Expect(inventory.PreviewCount("malformed")).ToHaveTextAsync("1");
        await Assertions.Expect(inventory.ProblemRows.Filter(new() { HasText = "缺少密码列" })).ToContainTextAsync("4");

        await inventory.ImportAsync();
        await Assertions.Expect(inventory.Available).ToHaveTextAsync("22");
        await using var db = fx.App.NewContext();
        var vault = fx.App.Services.GetRequiredService<CardKeyVault>();
        Assert.True(await db.CardKeys.AnyAsync(k => k.SecretHash == vault.Hash("600002 pw-a2")));
    }
}
