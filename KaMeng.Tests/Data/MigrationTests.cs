using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Data;

public class MigrationTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Each_provider_has_a_migration_for_the_current_model(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, seed: false);
        await using var ctx = db.NewContext();
        Assert.False(ctx.Database.HasPendingModelChanges(), $"The {provider} migrations lag the model: run dotnet ef migrations add for {provider}.");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task A_new_database_is_migrated_and_seeded_once(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var ctx = db.NewContext())
        {
            Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
            var stations = await ctx.Stations.OrderBy(s => s.Id).ToListAsync();
            Assert.Equal(["main", "demo"], stations.Select(s => s.Code));
            Assert.Equal(Station.MainStationId, stations[1].ParentId);
            Assert.Contains(await ctx.Users.Select(u => u.UserName).ToListAsync(), n => n == "admin");
            Assert.True(await ctx.CardKeys.CountAsync(k => k.Status == CardKeyStatus.Available) > 0);
        }
        // A second start changes nothing.
        await using (var scope = db.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await using (var ctx = db.NewContext())
            Assert.Equal(2, await ctx.Stations.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task Demo_buyer_starts_with_100_yuan_that_equals_the_ledger(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var ctx = db.NewContext();
        var buyer = await ctx.Users.SingleAsync(u => u.UserName == "demo-buyer");
        var wallet = await ctx.Wallets.SingleAsync(w => w.UserId == buyer.Id);
        Assert.Equal(10000, wallet.Balance.Fen);
        var ledger = await ctx.LedgerEntries.Where(e => e.WalletId == wallet.Id).Select(e => e.Amount).ToListAsync();
        Assert.Equal(wallet.Balance.Fen, ledger.Sum(m => m.Fen));
    }

    [Fact]
    public async Task Sqlite_runs_in_wal_mode_with_foreign_keys_on()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, seed: false);
        await using (var scope = db.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        await using var ctx = db.NewContext();
        await ctx.Database.OpenConnectionAsync();
        var conn = ctx.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
        cmd.CommandText = "PRAGMA foreign_keys";
        Assert.Equal(1L, (long?)await cmd.ExecuteScalarAsync());
    }
}
