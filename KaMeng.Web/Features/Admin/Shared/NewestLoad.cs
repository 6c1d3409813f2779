namespace KaMeng.Web.Features.Admin.Shared;

/// <summary>
/// Loads of one page can overlap (a timer and a save, two quick filter changes); only the newest may paint, so a slow
/// older load cannot put stale data over fresh. Used on the circuit's one thread, like the component that holds it.
/// </summary>
public sealed class NewestLoad
{
    /// <summary>Goes up with every load started; panels can take it as a parameter to notice a reload.</summary>
    public int Version { get; private set; }

    /// <summary>Runs <paramref name="load"/>; <c>Newest</c> is false when another load started while it ran.</summary>
    public async Task<(bool Newest, T Value)> RunAsync<T>(Func<Task<T>> load)
    {
        var mine = ++Version;
        var value = await load();
        return (mine == Version, value);
    }
}
