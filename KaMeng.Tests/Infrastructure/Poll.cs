namespace KaMeng.Tests.Infrastructure;

/// <summary>Waits for a server-side condition (a background job, a mail) by polling it every 100 ms.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, int seconds) =>
        UntilAsync(() => Task.FromResult(condition()), what, seconds);
}
