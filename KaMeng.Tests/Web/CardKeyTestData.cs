using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.CardKeys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Web;

/// <summary>A seeded database with the card-key services, and what the card-key tests read from it.</summary>
static class CardKeyTestData
{
    public const string SeededProduct = "王者荣耀 60 点券";
    public static readonly CardKeyActor Admin = new("admin-user-id", "admin");
    public static readonly CardKeyImportOptions OnePerLine = new();

    public static Task<TestDatabase> CreateAsync(DatabaseProvider provider) => TestDatabase.CreateAsync(provider, s =>
    {
        s.AddSingleton<CardKeyImportService>();
        s.AddSingleton<CardKeyInventoryService>();
    });

    public static CardKeyImportService Importer(this TestDatabase db) => db.Services.GetRequiredService<CardKeyImportService>();
    public static CardKeyInventoryService Inventory(this TestDatabase db) => db.Services.GetRequiredService<CardKeyInventoryService>();
    public static CardKeyVault Vault(this TestDatabase db) => db.Services.GetRequiredService<CardKeyVault>();

    public static async Task<Product> ProductAsync(this TestDatabase db, string name = SeededProduct)
    {
        await using var ctx = db.NewContext();
        return await ctx.Products.AsNoTracking().SingleAsync(p => p.Name == name);
    }

    /// <summary>The plain secrets of a product's keys (decrypted here, in the test, to build inputs).</summary>
    public static async Task<List<(long Id, string Secret, CardKeyStatus Status)>> KeysAsync(this TestDatabase db, int productId)
    {
        await using var ctx = db.NewContext();
        var vault = db.Vault();
        return (await ctx.CardKeys.AsNoTracking().Where(k => k.ProductId == productId).OrderBy(k => k.Id).ToListAsync())
            .Select(k => (k.Id, vault.Unprotect(k.SecretCipher), k.Status)).ToList();
    }

    /// <summary>Test set-up only: marks a key sold the way an order would (the order code owns selling).</summary>
    public static async Task MarkSoldAsync(this TestDatabase db, long keyId, long orderId = 424242)
    {
        await using var ctx = db.NewContext();
        await ctx.CardKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(u => u
            .SetProperty(k => k.Status, CardKeyStatus.Sold).SetProperty(k => k.OrderId, orderId).SetProperty(k => k.SoldAt, DateTimeOffset.UtcNow));
    }
}
