using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Cluster;

namespace KaMeng.Tests.Cluster;

/// <summary>Issue 22 §1: a second node on a SQLite database refuses to start, with a message saying what to run instead.</summary>
public class SqliteSingleNodeTests(KaMengApp first) : IClassFixture<KaMengApp>
{
    /// <summary>Another host on the first one's data folder (and so its SQLite file).</summary>
    sealed class SecondNode(string dataDir) : KaMengApp(DatabaseProvider.Sqlite, dataDir)
    {
        protected override bool FromTemplate => false;
    }

    [Fact]
    public async Task A_second_host_on_the_same_SQLite_file_fails_to_start_with_a_clear_message()
    {
        var second = new SecondNode(first.DataDir);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)second).InitializeAsync());
        var refusal = FindRefusal(error);
        Assert.NotNull(refusal);
        Assert.Contains("SQLite 只支持单节点运行", refusal.Message);
        Assert.Contains("PostgreSQL", refusal.Message);
        Assert.Contains(Path.Combine(first.DataDir, "kameng.db"), refusal.Message);

        // The first node is untouched and still serves.
        using var http = first.NewHttpClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task The_lock_is_released_when_the_node_stops()
    {
        var dir = TestPaths.NewTempDir("sqlite-relock");
        var one = new SecondNode(dir);
        await ((IAsyncLifetime)one).InitializeAsync();
        await ((IAsyncLifetime)one).DisposeAsync();
        var again = new SecondNode(dir);
        await ((IAsyncLifetime)again).InitializeAsync(); // the restart takes the lock again
        await ((IAsyncLifetime)again).DisposeAsync();
    }

    static SingleNodeException? FindRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SingleNodeException s) return s;
            if (e is AggregateException a) foreach (var inner in a.InnerExceptions) if (FindRefusal(inner) is { } found) return found;
        }
        return null;
    }
}
