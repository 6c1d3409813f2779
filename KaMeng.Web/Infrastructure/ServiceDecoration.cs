namespace KaMeng.Web.Infrastructure;

/// <summary>Wraps a service a framework registered (often an internal type we cannot name) in one of ours.</summary>
public static class ServiceDecoration
{
    /// <summary>Replaces the last registration of <typeparamref name="T"/> with a singleton made by <paramref name="wrap"/>
    /// around the instance the original registration would have made. Call after the framework's Add… that registers it
    /// (its TryAdd then keeps this one).</summary>
    public static void Decorate<T>(IServiceCollection services, Func<IServiceProvider, T, T> wrap) where T : class
    {
        var inner = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(inner);
        services.AddSingleton(sp => wrap(sp, inner.ImplementationInstance as T ?? inner.ImplementationFactory?.Invoke(sp) as T
            ?? (T)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!)));
    }
}
