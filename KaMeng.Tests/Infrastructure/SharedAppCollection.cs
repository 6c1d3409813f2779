namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// Test classes that only read (or are refused, which changes nothing) share one app and one browser instead of
/// starting their own (issue 17 §4). A class that writes anything another class could see starts its own app.
/// Classes of one collection run one after another, so they never see each other half-way.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedAppCollection : ICollectionFixture<KaMengApp>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "Shared read-only app";
}
