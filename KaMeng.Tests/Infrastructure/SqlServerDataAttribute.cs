using System.Reflection;
using KaMeng.Data;
using Xunit.Sdk;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// Adds the SQL Server case to a provider theory (beside <c>[InlineData(DatabaseProvider.Sqlite)]</c> and
/// <c>[InlineData(DatabaseProvider.Postgres)]</c>). It runs against the server in KAMENG_TEST_SQLSERVER; without one it is
/// reported as skipped with that reason — the only skip the suite allows: no SQL Server can be installed on the machines
/// the suite runs on (README, "SQL Server").
/// </summary>
[DataDiscoverer("Xunit.Sdk.DataDiscoverer", "xunit.core")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SqlServerDataAttribute : DataAttribute
{
    public const string Variable = "KAMENG_TEST_SQLSERVER";

    public SqlServerDataAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"SQL Server case: {Variable} is not set (no SQL Server on this machine; see the README's SQL Server section)";
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[DatabaseProvider.SqlServer]];
}
