using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KaMeng.Tests.Infrastructure;

/// <summary>A real SMTP server on loopback: Debian's python3-aiosmtpd (installed by test.sh) writing every message it
/// accepts into a Maildir.</summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    public int Port { get; } = FreePort();
    // Mailbox creates the Maildir (new/cur/tmp) only when the folder does not exist yet.
    public string Maildir { get; } = Path.Combine(TestPaths.NewTempDir("smtp"), "maildir");
    readonly Process process;

    SmtpTestServer()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        process = Process.Start(new ProcessStartInfo(python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
    }

    /// <summary>A loopback port nothing listens on (at the moment of asking).</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts the server and returns once it accepts connections.</summary>
    public static async Task<SmtpTestServer> StartAsync()
    {
        var s = new SmtpTestServer();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, s.Port);
                return s;
            }
            catch (SocketException) when (DateTime.UtcNow < until && !s.process.HasExited) { await Task.Delay(100); }
        }
    }

    public string[] Messages() => Directory.Exists(Path.Combine(Maildir, "new")) ? Directory.GetFiles(Path.Combine(Maildir, "new")).Select(File.ReadAllText).ToArray() : [];

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
