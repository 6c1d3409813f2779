using System.Net;
using System.Text.RegularExpressions;
using KaMeng.Tests.Infrastructure;

namespace KaMeng.Tests.Security;

/// <summary>
/// One client of the throttled app, speaking from <paramref name="ip"/> through X-Forwarded-For (loopback is the trusted proxy in
/// <see cref="ThrottledApp"/>): loads a form for its antiforgery token and captcha id, and posts it.
/// </summary>
public sealed partial class ClientForm(KaMengApp app, string ip) : IDisposable
{
    readonly HttpClient client = NewClient(app, ip);

    static HttpClient NewClient(KaMengApp app, string ip)
    {
        var c = app.NewHttpClient();
        c.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return c;
    }

    public HttpClient Client => client;

    public sealed record Answer(HttpStatusCode Status, string Html, string? RetryAfter);

    /// <summary>GETs <paramref name="path"/> and posts its form <paramref name="formName"/>; <paramref name="solveCaptcha"/>
    /// fills the captcha shown (prefix <paramref name="model"/>) with its answer from the test hook.</summary>
    public async Task<Answer> PostAsync(string path, string formName, Dictionary<string, string> fields, bool solveCaptcha = false, string model = "Input")
    {
        var page = await client.GetAsync(path);
        var html = await page.Content.ReadAsStringAsync();
        var token = TokenInput().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(ValueAttribute().Match(m.Value).Groups[1].Value)
            : throw new Xunit.Sdk.XunitException($"{path} has no antiforgery token: {(int)page.StatusCode}");
        var body = new Dictionary<string, string>(fields) { ["_handler"] = formName, ["__RequestVerificationToken"] = token };
        if (CaptchaId(html) is { } id)
        {
            body[$"{model}.CaptchaId"] = id;
            if (solveCaptcha) body[$"{model}.CaptchaAnswer"] = app.CaptchaAnswer(id);
        }
        var response = await client.PostAsync(path, new FormUrlEncodedContent(body));
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
    }

    public static string? CaptchaId(string html) =>
        CaptchaInput().Match(html) is { Success: true } m ? ValueAttribute().Match(m.Value).Groups[1].Value : null;

    public void Dispose() => client.Dispose();

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*>")]
    private static partial Regex TokenInput();

    [GeneratedRegex("<input[^>]*data-testid=\"captcha-id\"[^>]*>")]
    private static partial Regex CaptchaInput();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValueAttribute();
}
