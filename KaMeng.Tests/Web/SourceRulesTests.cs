using KaMeng.Tests.Infrastructure;

namespace KaMeng.Tests.Web;

/// <summary>Rules read off the sources: pages never query EF Core themselves (they call query classes and services),
/// times are converted with the business clock (<see cref="KaMeng.Domain.BusinessTime"/>), never the server's zone, and
/// the admin's old component library is gone for good (issue 17), and the app never relaxes TLS certificate checks.</summary>
public class SourceRulesTests
{
    static IEnumerable<string> SourceFiles(string project, params string[] extensions) =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, project), "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f)))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    static List<string> Offences(IEnumerable<string> files, string[] forbidden) =>
        (from f in files
         from line in File.ReadLines(f).Select((text, i) => (text, number: i + 1))
         from word in forbidden
         where line.text.Contains(word, StringComparison.Ordinal)
         select $"{Path.GetRelativePath(TestPaths.RepoRoot, f)}:{line.number}: {word}").ToList();

    [Fact]
    public void No_razor_file_uses_ef_core()
    {
        var razor = SourceFiles("KaMeng.Web", ".razor").ToList();
        Assert.NotEmpty(razor);
        Assert.Empty(Offences(razor, ["Microsoft.EntityFrameworkCore", "IDbContextFactory", "DbContext", "KaMengDbContext"]));
    }

    [Fact]
    public void Every_transaction_of_the_app_goes_through_the_business_transaction()
    {
        // On SQLite a transaction begun beside BusinessTransaction bypasses the writer gate and meets SQLITE_BUSY under load.
        // The group commit's writer is the exception: it begins its batch's transaction holding the gate.
        var files = SourceFiles("KaMeng.Web", ".cs", ".razor").Where(f => Path.GetFileName(f) != "SqliteGroupCommit.cs").ToList();
        Assert.NotEmpty(files);
        Assert.Empty(Offences(files, ["Database.BeginTransaction"]));
    }

    [Fact]
    public void No_time_is_read_in_the_servers_time_zone()
    {
        var files = new[] { "KaMeng.Domain", "KaMeng.Data", "KaMeng.Web" }.SelectMany(p => SourceFiles(p, ".cs", ".razor"))
            .Where(f => Path.GetFileName(f) != "BusinessTime.cs").ToList();
        Assert.Empty(Offences(files, ["ToLocalTime(", "TimeZoneInfo.Local", "DateTime.Now", "DateTimeOffset.Now", "DateTime.Today"]));
    }

    [Fact]
    public void The_old_component_library_is_named_nowhere()
    {
        // Spelt in two halves so this file does not name it either.
        var library = "Rad" + "zen";
        var files = Directory.EnumerateFiles(TestPaths.RepoRoot, "*", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git" or "TestResults" or "node_modules"))
            .Where(f => Path.GetExtension(f) is ".cs" or ".razor" or ".css" or ".js" or ".csproj" or ".props" or ".targets" or ".json" or ".md" or ".sh" or ".sln" or ".html")
            .ToList();
        Assert.NotEmpty(files);
        var offences = files.Where(f => File.ReadAllText(f).Contains(library, StringComparison.OrdinalIgnoreCase)).Select(f => Path.GetRelativePath(TestPaths.RepoRoot, f)).ToList();
        Assert.Empty(offences);
        // Nor do tests select its CSS classes.
        var tests = SourceFiles("KaMeng.Tests", ".cs").Where(f => Path.GetFileName(f) != "SourceRulesTests.cs");
        Assert.Empty(Offences(tests, ["\"rz-", ".rz-"]));
    }

    [Fact]
    public void Only_tests_relax_the_smtp_servers_certificate_check()
    {
        // Senders.cs declares the test-only hook and hands it to MailKit; nothing else in the app may set it or install
        // a certificate callback of its own.
        var files = new[] { "KaMeng.Domain", "KaMeng.Data", "KaMeng.Web" }.SelectMany(p => SourceFiles(p, ".cs", ".razor"))
            .Where(f => Path.GetFileName(f) != "Senders.cs").ToList();
        Assert.NotEmpty(files);
        Assert.Empty(Offences(files, ["CertificateValidationForTests", "ServerCertificateValidationCallback",
            "ServerCertificateCustomValidationCallback", "RemoteCertificateValidationCallback", "DangerousAcceptAnyServerCertificateValidator"]));
    }
}
