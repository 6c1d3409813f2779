using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace KaMeng.Web.Features.Security;

/// <summary>Where captcha answers wait, keyed by a random id: single use, a few minutes. Tests resolve it to read an answer.</summary>
public interface ICaptchaStore
{
    void Put(string id, string answer, TimeSpan lifetime);
    /// <summary>Removes and returns the answer (a captcha is good for one try, right or wrong).</summary>
    string? Take(string id);
    /// <summary>The answer without using it up (for tests; the app itself only ever takes).</summary>
    string? Peek(string id);
}

public sealed class MemoryCaptchaStore : ICaptchaStore, IDisposable
{
    // Bounded: a flood of page views cannot grow it without limit (new captchas are dropped while it is full).
    readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public void Put(string id, string answer, TimeSpan lifetime) =>
        cache.Set(id, answer, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime, Size = 1 });

    public string? Take(string id)
    {
        if (!cache.TryGetValue(id, out string? answer)) return null;
        cache.Remove(id);
        return answer;
    }

    public string? Peek(string id) => cache.TryGetValue(id, out string? answer) ? answer : null;

    public void Dispose() => cache.Dispose();
}

/// <summary>A captcha to show: its id (posted back in a hidden field) and the image as a data: URI.</summary>
public sealed record CaptchaChallenge(string Id, string ImageDataUri);

/// <summary>
/// A self-hosted captcha: five characters drawn as distorted strokes (SVG paths, no text a script could read from the markup),
/// crossed by noise curves. The answer stays on the server; it is checked case-insensitively and used up by the check.
/// </summary>
public sealed class CaptchaService(ICaptchaStore store)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    const int Length = 5;
    // No 0/O, 1/I, 5/S, 8/B, 2/Z lookalikes.
    const string Alphabet = "234679ACEFHKLMNPRTUVWXY";

    public CaptchaChallenge Create()
    {
        var answer = string.Create(Length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        });
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        store.Put(id, answer, Lifetime);
        var svg = Render(answer);
        return new CaptchaChallenge(id, "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(svg)));
    }

    /// <summary>True once for the right answer (any case, spaces ignored); the captcha is spent either way.</summary>
    public bool Verify(string? id, string? answer)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || string.IsNullOrWhiteSpace(answer)) return false;
        var expected = store.Take(id);
        if (expected is null) return false;
        var given = answer.Replace(" ", "").Trim().ToUpperInvariant();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
    }

    // Stroke glyphs on a 4 × 6 grid: polylines separated by '|'.
    static readonly Dictionary<char, string> Glyphs = new()
    {
        ['2'] = "0,1 1,0 3,0 4,1 4,2 0,6 4,6",
        ['3'] = "0,0 4,0 2,2.5 4,3.5 4,5 3,6 0,6",
        ['4'] = "3,6 3,0 0,4 4,4",
        ['6'] = "4,0 1,0 0,2 0,6 4,6 4,3 0,3",
        ['7'] = "0,0 4,0 1.5,6",
        ['9'] = "4,3 0,3 0,0 4,0 4,4 3,6 0,6",
        ['A'] = "0,6 2,0 4,6|1,3.6 3,3.6",
        ['C'] = "4,0.5 3,0 1,0 0,1.5 0,4.5 1,6 3,6 4,5.5",
        ['E'] = "4,0 0,0 0,6 4,6|0,3 3,3",
        ['F'] = "4,0 0,0 0,6|0,3 3,3",
        ['H'] = "0,0 0,6|4,0 4,6|0,3 4,3",
        ['K'] = "0,0 0,6|4,0 0,3.5|1.3,2.7 4,6",
        ['L'] = "0,0 0,6 4,6",
        ['M'] = "0,6 0,0 2,3.5 4,0 4,6",
        ['N'] = "0,6 0,0 4,6 4,0",
        ['P'] = "0,6 0,0 3.5,0 4,0.8 4,2.4 3.5,3 0,3",
        ['R'] = "0,6 0,0 3.5,0 4,0.8 4,2.4 3.5,3 0,3|2,3 4,6",
        ['T'] = "0,0 4,0|2,0 2,6",
        ['U'] = "0,0 0,5 1,6 3,6 4,5 4,0",
        ['V'] = "0,0 2,6 4,0",
        ['W'] = "0,0 1,6 2,2.5 3,6 4,0",
        ['X'] = "0,0 4,6|4,0 0,6",
        ['Y'] = "0,0 2,3 4,0|2,3 2,6",
    };

    const int Width = 164, Height = 50;

    static double R(double min, double max) => min + RandomNumberGenerator.GetInt32(10_000) / 10_000.0 * (max - min);

    static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    static string Render(string answer)
    {
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#f4f1ea\"/>");
        for (var i = 0; i < 4; i++) // background noise
            svg.Append($"<path d=\"M{F(R(0, 20))} {F(R(5, 45))} Q{F(R(40, 120))} {F(R(-20, 70))} {F(R(144, 164))} {F(R(5, 45))}\" stroke=\"#{Colour(150)}\" stroke-width=\"{F(R(1, 2))}\" fill=\"none\"/>");
        for (var c = 0; c < answer.Length; c++)
        {
            var sx = R(4.2, 5.6);
            var sy = R(5, 6.2);
            var angle = R(-0.32, 0.32);
            var skew = R(-0.3, 0.3);
            var cx = 20 + c * 31 + R(-2.5, 2.5);
            var cy = Height / 2.0 + R(-4, 4);
            var colour = Colour(90);
            foreach (var line in Glyphs[answer[c]].Split('|'))
            {
                svg.Append("<path d=\"");
                var first = true;
                foreach (var point in line.Split(' '))
                {
                    var xy = point.Split(',');
                    // Centre the glyph, scale, skew, rotate, jitter every point.
                    var x = (double.Parse(xy[0], CultureInfo.InvariantCulture) - 2) * sx + R(-1.2, 1.2);
                    var y = (double.Parse(xy[1], CultureInfo.InvariantCulture) - 3) * sy + R(-1.2, 1.2);
                    x += skew * y;
                    var (px, py) = (cx + x * Math.Cos(angle) - y * Math.Sin(angle), cy + x * Math.Sin(angle) + y * Math.Cos(angle));
                    svg.Append(first ? "M" : " L").Append(F(px)).Append(' ').Append(F(py));
                    first = false;
                }
                svg.Append($"\" stroke=\"#{colour}\" stroke-width=\"{F(R(2.2, 3.4))}\" stroke-linecap=\"round\" stroke-linejoin=\"round\" fill=\"none\"/>");
            }
        }
        for (var i = 0; i < 3; i++) // noise over the glyphs
            svg.Append($"<path d=\"M{F(R(0, 10))} {F(R(10, 40))} C{F(R(30, 60))} {F(R(-10, 60))} {F(R(100, 130))} {F(R(-10, 60))} {F(R(154, 164))} {F(R(10, 40))}\" stroke=\"#{Colour(110)}\" stroke-width=\"{F(R(1, 1.8))}\" fill=\"none\"/>");
        for (var i = 0; i < 30; i++)
            svg.Append($"<circle cx=\"{F(R(0, Width))}\" cy=\"{F(R(0, Height))}\" r=\"{F(R(0.5, 1.6))}\" fill=\"#{Colour(140)}\"/>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    static string Colour(int max) => $"{RandomNumberGenerator.GetInt32(max):x2}{RandomNumberGenerator.GetInt32(max):x2}{RandomNumberGenerator.GetInt32(max):x2}";
}
