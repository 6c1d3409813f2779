using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace KaMeng.Tests.Infrastructure;

/// <summary>A real SMTP server on loopback: Debian's python3-aiosmtpd writing every message it accepts into a Maildir.</summary>
public sealed class SmtpServer : IAsyncDisposable
{
    public int Port { get; } = FreePort();
    // Mailbox creates the Maildir (new/cur/tmp) only when the folder does not exist yet.
    public string Maildir { get; } = Path.Combine(TestPaths.NewTempDir("smtp"), "maildir");
    readonly Process process;

    SmtpServer()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        process = Process.Start(new ProcessStartInfo(python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task<SmtpServer> StartAsync()
    {
        var s = new SmtpServer();
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

    /// <summary>The decoded Subject header (RFC 2047 base64 words, as System.Net.Mail writes them).</summary>
    public static string Subject(string message)
    {
        var raw = Regex.Match(message, @"^Subject: (.*(?:\r?\n[ \t].*)*)", RegexOptions.Multiline).Groups[1].Value;
        return Regex.Replace(raw.Replace("\r", "").Replace("\n", ""), @"\s*=\?utf-8\?B\?([^?]*)\?=\s*", m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value)), RegexOptions.IgnoreCase);
    }

    /// <summary>The decoded text body of a single-part message (base64 or quoted-printable, as System.Net.Mail writes UTF-8).</summary>
    public static string Body(string message)
    {
        var split = message.Replace("\r\n", "\n").Split("\n\n", 2);
        var (headers, body) = (split[0], split.Length > 1 ? split[1] : "");
        var encoding = Regex.Match(headers, @"^Content-Transfer-Encoding:\s*(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase).Groups[1].Value.ToLowerInvariant();
        if (encoding == "base64") return Encoding.UTF8.GetString(Convert.FromBase64String(Regex.Replace(body, @"\s", "")));
        if (encoding != "quoted-printable") return body;
        var bytes = new List<byte>();
        var text = body.Replace("=\n", "");
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The message sent to this address, once it has arrived (waits on a loaded machine, never sleeps blindly).</summary>
    public async Task<string> WaitForMessageToAsync(string address, int seconds = 90)
    {
        string? found = null;
        await Poll.UntilAsync(() => (found = Messages().FirstOrDefault(m => Regex.IsMatch(m, $@"^To: .*{Regex.Escape(address)}", RegexOptions.Multiline))) is not null,
            "a mail to " + address, seconds);
        return found!;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
