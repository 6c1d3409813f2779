using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KaMeng.Tests.Outbound;

/// <summary>A bare TCP listener on loopback that counts the connections it accepted and answers each with a fixed HTTP
/// response (or not at all, to time a client out).</summary>
sealed class LoopbackServer : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    int accepted;

    public LoopbackServer(Func<string, string?> respond)
    {
        listener.Start();
        loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(stop.Token); }
                catch (Exception) { return; }
                Interlocked.Increment(ref accepted);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            var buffer = new byte[8192];
                            var head = new StringBuilder();
                            while (!head.ToString().Contains("\r\n\r\n"))
                            {
                                var n = await stream.ReadAsync(buffer, stop.Token);
                                if (n == 0) return;
                                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                            }
                            if (respond(head.ToString()) is not { } response) { await Task.Delay(Timeout.Infinite, stop.Token); return; }
                            await stream.WriteAsync(Encoding.UTF8.GetBytes(response), stop.Token);
                        }
                        catch (Exception) { }
                    }
                });
            }
        });
    }

    public static string Ok(string body = "ok") =>
        $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";

    public static string Redirect(string location) =>
        $"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;
    public string Url => $"http://127.0.0.1:{Port}/";
    public int Accepted => Volatile.Read(ref accepted);

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        try { await loop; } catch (Exception) { }
    }

    /// <summary>A loopback port with nothing listening.</summary>
    public static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
