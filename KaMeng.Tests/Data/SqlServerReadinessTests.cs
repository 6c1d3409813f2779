using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Dashboard;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SqlServer.TransactSql.ScriptDom;

using KaMeng.Tests.Infrastructure;

namespace KaMeng.Tests.Data;

/// <summary>
/// Issue 19 §3: what can be proven about SQL Server without a server (none can be installed here). The model builds, its
/// migrations are current, and every piece of T-SQL KaMeng sends — EF's idempotent migration script, Quartz's schema and
/// every statement the code builds — parses under ScriptDom's T-SQL parser. The same tests SQLite and PostgreSQL run go
/// to a real server through <see cref="Infrastructure.SqlServerDataAttribute"/>.
/// </summary>
public class SqlServerReadinessTests
{
    /// <summary>A context that never connects: building the model and scripting need no server.</summary>
    static SqlServerKaMengDbContext Offline() =>
        new(new DbContextOptionsBuilder<SqlServerKaMengDbContext>().UseSqlServer("Server=127.0.0.1,1;Database=kameng_offline;Connect Timeout=1").Options);

    static void AssertParses(string name, string sql)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        parser.Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0, $"{name} does not parse as T-SQL:\n" + string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n---\n" + sql);
    }

    [Fact]
    public void The_parser_catches_a_broken_statement()
    {
        var parser = new TSql170Parser(true);
        parser.Parse(new StringReader("""UPDATE "Wallets" SET "Balance" = WHERE "Id" = @p0"""), out var errors);
        Assert.NotEmpty(errors);
        // PostgreSQL's data-modifying CTE with RETURNING is not T-SQL.
        parser.Parse(new StringReader(PostgresSql.ClaimKeys), out errors);
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void The_model_builds_for_sql_server_and_its_migrations_are_current()
    {
        using var db = Offline();
        Assert.Equal(DatabaseProvider.SqlServer, db.Provider);
        Assert.NotEmpty(db.Model.GetEntityTypes());
        Assert.False(db.Database.HasPendingModelChanges(), "The SqlServer migrations lag the model: run scripts/add-migration.sh.");
        Assert.Single(db.Database.GetMigrations());
    }

    [Fact]
    public void The_idempotent_migration_script_parses()
    {
        using var db = Offline();
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        Assert.Contains("CREATE TABLE [CardKeys]", script);
        AssertParses("the idempotent migration script", script);
    }

    [Fact]
    public void Quartz_sql_server_schema_and_its_upgrades_parse()
    {
        var quartz = typeof(Quartz.IScheduler).Assembly;
        var scripts = quartz.GetManifestResourceNames().Where(n => n.EndsWith("sqlServer.sql", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Contains(scripts, n => n.EndsWith("create_sqlServer.sql", StringComparison.Ordinal));
        foreach (var name in scripts)
        {
            using var reader = new StreamReader(quartz.GetManifestResourceStream(name)!);
            // {0} and {1} are the table prefix the job store fills in (QRTZ_ by default; {0} may carry a schema).
            AssertParses(name, reader.ReadToEnd().Replace("{0}", "QRTZ_").Replace("{1}", "QRTZ_"));
        }
    }

    [Fact]
    public void Every_hand_written_statement_parses()
    {
        using var db = Offline();
        var statements = new List<(string Name, string Sql)>
        {
            ("row lock", Placeholders(SqlServerSql.LockRow("Orders", ["Id"]))),
            ("two-column row lock", Placeholders(SqlServerSql.LockRow("BuyerStats", ["StationId", "BuyerUserId"], "*"))),
            ("key claim", SqlServerSql.ClaimKeys),
            ("identity insert on", SqlServerSql.IdentityInsert("Stations", on: true)),
            ("identity insert off", SqlServerSql.IdentityInsert("Stations", on: false)),
        };
        foreach (var type in db.Model.GetEntityTypes().Select(t => t.ClrType).Distinct())
            if (RawCommands.InsertSql(db.Model, DatabaseProvider.SqlServer, type) is { } insert) statements.Add(($"INSERT of {type.Name}", insert));
        foreach (var byId in new[] { false, true })
            foreach (var noFloor in new[] { false, true })
                foreach (var bucket in Enum.GetValues<WalletBucket>())
                    statements.Add(($"ledger posting ({bucket}, by id {byId}, no floor {noFloor})", LedgerInsert.Sql(db.Model, DatabaseProvider.SqlServer, byId, noFloor, bucket)));
        foreach (var (table, keys, sums) in DashboardRollup.UpsertTargets)
            foreach (var rows in new[] { 1, 3 })
                statements.Add(($"upsert of {table} ({rows} rows)", SqlServerSql.Upsert(table, keys, sums, rows)));
        foreach (var (sql, i) in RollupRebuild.Statements(DatabaseProvider.SqlServer).Select((s, i) => (s, i)))
            statements.Add(($"rollup rebuild statement {i}", sql));

        Assert.True(statements.Count > 30, $"only {statements.Count} statements");
        Assert.Contains(statements, s => s.Name == "INSERT of LedgerEntry" || s.Name == "INSERT of Order");
        foreach (var (name, sql) in statements) AssertParses(name, sql);
    }

    /// <summary>EF's {0} placeholders as the parameters it sends.</summary>
    static string Placeholders(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"\{(\d+)\}", "@p$1");

    [Fact]
    public void The_sql_server_wiring_resolves_its_context_and_scheduler()
    {
        var dataDir = TestPaths.NewTempDir("sqlserver-wiring");
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KaMeng:DataDir"] = dataDir,
            ["KaMeng:Database:Provider"] = "SqlServer",
            ["ConnectionStrings:KaMeng"] = "Server=127.0.0.1,1;Database=kameng;Connect Timeout=1",
            ["KaMeng:Jobs:Enabled"] = "false",
        });
        builder.AddKaMengData();
        KaMeng.Web.Features.Jobs.JobsSetup.AddJobs(builder);
        using var services = builder.Services.BuildServiceProvider();

        using var db = services.GetRequiredService<IDbContextFactory<KaMengDbContext>>().CreateDbContext();
        Assert.IsType<SqlServerKaMengDbContext>(db);
        Assert.Equal("Microsoft.EntityFrameworkCore.SqlServer", db.Database.ProviderName);
        // The scheduler is wired (its SqlServer store is built when it starts, which needs the server).
        Assert.NotNull(services.GetService<Quartz.ISchedulerFactory>());
    }
}
