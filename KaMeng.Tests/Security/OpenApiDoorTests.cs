using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Security;

/// <summary>The Open API checks its caller before it reads a body, and never reads a large one.</summary>
public class OpenApiDoorTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    async Task<IssuedCredential> KeyAsync()
    {
        var service = app.Services.GetRequiredService<ApiCredentialService>();
        string userId;
        await using (var db = app.NewContext())
            userId = await db.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
        var (issued, error) = await service.RequestAsync(userId, Station.MainStationId, "测试对接");
        Assert.Null(error);
        Assert.Null(await service.ApproveAsync(new AuditActor("test", "test", null), issued!.Id));
        return issued!;
    }

    /// <summary>Sends the request line and headers (and <paramref name="bodyPrefix"/>, not the whole body) over a raw socket and
    /// reads the answer: an answer at all proves the server did not wait for the body.</summary>
    async Task<(int Status, string Text)> SendHeadOnlyAsync(string head, byte[]? bodyPrefix = null)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, app.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (bodyPrefix is not null) await stream.WriteAsync(bodyPrefix);
        await stream.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0) break;
                received.Write(buffer, 0, read);
                var text = Encoding.UTF8.GetString(received.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0 && text.Contains("}", StringComparison.Ordinal)) break;
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException("no answer within 10 s: the server waited for the body");
        }
        var answer = Encoding.UTF8.GetString(received.ToArray());
        return (int.Parse(answer.Split(' ')[1]), answer);
    }

    static string Head(IssuedCredential c, string path, long contentLength, string bodyHash, string? signature = null, string nonce = "")
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        nonce = nonce.Length > 0 ? nonce : Guid.NewGuid().ToString("N");
        signature ??= HmacHex.Sha256(c.Secret, $"POST\n{path}\n{ts}\n{nonce}\n{bodyHash}");
        return $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n"
            + $"X-KaMeng-Key: {c.KeyId}\r\nX-KaMeng-Timestamp: {ts}\r\nX-KaMeng-Nonce: {nonce}\r\nX-KaMeng-Signature: {signature}\r\n"
            + $"X-KaMeng-Content-SHA256: {bodyHash}\r\nConnection: close\r\n\r\n";
    }

    [Fact]
    public async Task A_25_MB_body_is_refused_with_413_before_it_is_read()
    {
        var c = await KeyAsync();
        const long size = 25L * 1024 * 1024;
        var (status, text) = await SendHeadOnlyAsync(Head(c, "/api/open/v1/orders", size, new string('a', 64)), new byte[1024]);
        Assert.Equal(413, status);
        Assert.Contains("application/problem+json", text);
        Assert.Contains("request.too_large", text);
    }

    [Fact]
    public async Task A_large_body_without_a_length_is_cut_off_at_the_cap()
    {
        var c = await KeyAsync();
        using var client = app.NewHttpClient();
        var body = new byte[25 * 1024 * 1024];
        Array.Fill(body, (byte)'a');
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        var nonce = Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/open/v1/orders") { Content = new StreamContent(new MemoryStream(body)) };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-KaMeng-Key", c.KeyId);
        request.Headers.Add("X-KaMeng-Timestamp", ts);
        request.Headers.Add("X-KaMeng-Nonce", nonce);
        request.Headers.Add("X-KaMeng-Signature", OpenApiSignature.Sign(c.Secret, "POST", "/api/open/v1/orders", ts, nonce, body));
        HttpResponseMessage response;
        try { response = await client.SendAsync(request); }
        catch (HttpRequestException) { return; } // the server closed the connection at the cap before the client finished sending: refused
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_bad_signature_is_refused_before_the_body_is_read()
    {
        var c = await KeyAsync();
        var hash = OpenApiSignature.BodyHash(new byte[1000]);
        var (status, text) = await SendHeadOnlyAsync(Head(c, "/api/open/v1/orders", 1000, hash, signature: new string('0', 64)));
        Assert.Equal(401, status);
        Assert.Contains("auth.signature", text);
    }

    [Fact]
    public async Task A_signature_over_the_announced_body_hash_works_and_the_body_must_match_it()
    {
        var c = await KeyAsync();
        async Task<HttpResponseMessage> SendAsync(byte[] body, string announcedHash)
        {
            using var client = app.NewHttpClient();
            var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
            var nonce = Guid.NewGuid().ToString("N");
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/open/v1/orders") { Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } } };
            request.Headers.Add("X-KaMeng-Key", c.KeyId);
            request.Headers.Add("X-KaMeng-Timestamp", ts);
            request.Headers.Add("X-KaMeng-Nonce", nonce);
            request.Headers.Add("X-KaMeng-Content-SHA256", announcedHash);
            request.Headers.Add("X-KaMeng-Signature", HmacHex.Sha256(c.Secret, $"POST\n/api/open/v1/orders\n{ts}\n{nonce}\n{announcedHash}"));
            return await client.SendAsync(request);
        }
        var body = """{"product_id":999999,"quantity":1,"client_order_no":"door-1"}"""u8.ToArray();
        // Authenticated: the order itself is refused for the unknown product (422), not the request.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(body, Convert.ToHexStringLower(SHA256.HashData(body)))).StatusCode);
        var mismatch = await SendAsync(body, Convert.ToHexStringLower(SHA256.HashData("{}"u8)));
        Assert.Equal(HttpStatusCode.Unauthorized, mismatch.StatusCode);
        Assert.Contains("auth.body_hash", await mismatch.Content.ReadAsStringAsync());
    }
}
