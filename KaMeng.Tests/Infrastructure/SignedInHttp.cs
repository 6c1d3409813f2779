using System.Net;
using System.Text.RegularExpressions;

namespace KaMeng.Tests.Infrastructure;

/// <summary>
/// A user signed in over plain HTTP (cookie + antiforgery), for tests of static server-rendered forms on both providers
/// without a browser: it posts a page's form the way the browser would, token and <c>_handler</c> included.
/// </summary>
public sealed partial class SignedInHttp : IDisposable
{
    readonly HttpClient client;

    SignedInHttp(HttpClient client) => this.client = client;

    public static async Task<SignedInHttp> SignInAsync(KaMengApp app, string userName, string password, string basePath = "", string? loginPathOverride = null)
    {
        var http = new SignedInHttp(app.NewHttpClient());
        var response = await http.PostFormAsync(loginPathOverride ?? $"{basePath}/account/login", "login",
            new() { ["Input.UserName"] = userName, ["Input.Password"] = password });
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new Xunit.Sdk.XunitException($"{userName} was not signed in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        http.LastRedirect = response.Headers.Location?.OriginalString;
        return http;
    }

    /// <summary>A client that is not signed in, for the forms anyone may post (the first-run page).</summary>
    public static SignedInHttp Anonymous(KaMengApp app) => new(app.NewHttpClient());

    /// <summary>Where the sign-in sent the browser.</summary>
    public string? LastRedirect { get; private set; }

    /// <summary>The signed-in client, for requests the helpers here do not cover.</summary>
    public HttpClient Client => client;

    public async Task<(HttpStatusCode Status, string Html)> GetAsync(string path)
    {
        var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Loads <paramref name="path"/> for its antiforgery token, then posts the form named <paramref name="formName"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, string formName, Dictionary<string, string> fields) =>
        await (await PrepareFormAsync(path, formName, fields))();

    /// <summary>Loads the form (its antiforgery token) now and returns the post to send later: races post several at once.</summary>
    public async Task<Func<Task<HttpResponseMessage>>> PrepareFormAsync(string path, string formName, Dictionary<string, string> fields)
    {
        var (status, html) = await GetAsync(path);
        if (status != HttpStatusCode.OK) throw new Xunit.Sdk.XunitException($"GET {path} answered {(int)status}");
        var token = TokenInput().Match(html) is { Success: true } m ? ValueAttribute().Match(m.Value).Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"{path} has no antiforgery token");
        var body = new Dictionary<string, string>(fields) { ["_handler"] = formName, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) };
        return () => client.PostAsync(path, new FormUrlEncodedContent(body));
    }

    public void Dispose() => client.Dispose();

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*>")]
    private static partial Regex TokenInput();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValueAttribute();
}
