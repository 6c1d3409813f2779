using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace KaMeng.Tests.Infrastructure;

/// <summary>How the test SMTP server secures its connections.</summary>
public enum SmtpServerTls
{
    None,
    /// <summary>Offers STARTTLS and refuses mail until the client has used it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (SMTPS), as QQ and 163 mail on port 465.</summary>
    Implicit,
}

/// <summary>
/// A real SMTP server on loopback: Debian's python3-aiosmtpd writing every message it accepts into a Maildir; with a
/// certificate it speaks STARTTLS or implicit TLS, and with a user name it accepts mail only after that login.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    // aiosmtpd's Controller rather than its command line: only the Controller takes an authenticator.
    // Implicit TLS: aiosmtpd 1.4 does not count it as TLS for auth_require_tls, so that check is off there.
    const string Script = """
        import sys, ssl, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult, LoginPassword
        port, maildir, tls, cert, key, user, password = sys.argv[1:8]
        kwargs = dict(hostname='127.0.0.1', port=int(port), ready_timeout=60, enable_SMTPUTF8=False)
        if tls != 'none':
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            if tls == 'starttls':
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context, auth_require_tls=False)
        if user:
            def authenticator(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
                return AuthResult(success=ok, handled=False)  # handled=True would leave the answer (535) to us
            kwargs.update(authenticator=authenticator, auth_required=True)
        controller = Controller(Mailbox(maildir), **kwargs)
        controller.start()
        print('READY', flush=True)
        threading.Event().wait()
        """;

    public int Port { get; } = FreePort();
    // Mailbox creates the Maildir (new/cur/tmp) only when the folder does not exist yet.
    public string Maildir { get; } = Path.Combine(TestPaths.NewTempDir("smtp"), "maildir");
    readonly Process process;

    SmtpServer(SmtpServerTls tls, TestCertificate? certificate, string? user, string? password)
    {
        if (tls != SmtpServerTls.None && certificate is null) throw new ArgumentException("TLS needs a certificate", nameof(certificate));
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        process = Process.Start(new ProcessStartInfo(python, ["-c", Script, Port.ToString(), Maildir, tls.ToString().ToLowerInvariant(),
            certificate?.CertificatePath ?? "", certificate?.KeyPath ?? "", user ?? "", password ?? ""])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts the server and returns once it accepts connections (it prints READY then).</summary>
    public static async Task<SmtpServer> StartAsync(SmtpServerTls tls = SmtpServerTls.None, TestCertificate? certificate = null,
        string? user = null, string? password = null)
    {
        var s = new SmtpServer(tls, certificate, user, password);
        var stderr = s.process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            while (await s.process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                if (line == "READY") return s;
        }
        catch (OperationCanceledException) { }
        await s.DisposeAsync();
        throw new InvalidOperationException("aiosmtpd did not start: " + await stderr);
    }

    public string[] Messages() => Directory.Exists(Path.Combine(Maildir, "new")) ? Directory.GetFiles(Path.Combine(Maildir, "new")).Select(File.ReadAllText).ToArray() : [];

    /// <summary>The decoded Subject header: RFC 2047 words (B or Q) as System.Net.Mail and MimeKit write them; white
    /// space between two encoded words is folding, elsewhere it is text.</summary>
    public static string Subject(string message)
    {
        var raw = Regex.Match(message, @"^Subject: (.*(?:\r?\n[ \t].*)*)", RegexOptions.Multiline).Groups[1].Value;
        var unfolded = Regex.Replace(raw, @"\r?\n(?=[ \t])", "").TrimEnd('\r');
        var joined = Regex.Replace(unfolded, @"(?<=\?=)[ \t]+(?==\?)", "");
        return Regex.Replace(joined, @"=\?([^?]+)\?([BbQq])\?([^?]*)\?=", m =>
        {
            var charset = Encoding.GetEncoding(m.Groups[1].Value.Split('*')[0]);
            if (m.Groups[2].Value is "B" or "b") return charset.GetString(Convert.FromBase64String(m.Groups[3].Value));
            return charset.GetString(QuotedPrintable(m.Groups[3].Value.Replace('_', ' ')));
        });
    }

    /// <summary>The decoded text body of a single-part UTF-8 message (8bit, base64 or quoted-printable).</summary>
    public static string Body(string message)
    {
        var split = message.Replace("\r\n", "\n").Split("\n\n", 2);
        var (headers, body) = (split[0], split.Length > 1 ? split[1] : "");
        var encoding = Regex.Match(headers, @"^Content-Transfer-Encoding:\s*(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase).Groups[1].Value.ToLowerInvariant();
        if (encoding == "base64") return Encoding.UTF8.GetString(Convert.FromBase64String(Regex.Replace(body, @"\s", "")));
        return encoding == "quoted-printable" ? Encoding.UTF8.GetString(QuotedPrintable(body.Replace("=\n", ""))) : body;
    }

    static byte[] QuotedPrintable(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return bytes.ToArray();
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
