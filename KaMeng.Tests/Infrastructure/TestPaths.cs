namespace KaMeng.Tests.Infrastructure;

public static class TestPaths
{
    /// <summary>The repository root (the folder holding KaMeng.sln).</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string TestResults { get; } = Directory.CreateDirectory(Path.Combine(RepoRoot, "TestResults")).FullName;

    public static string NewTempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "kameng-tests", prefix + "-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KaMeng.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KaMeng.sln not found above " + AppContext.BaseDirectory);
    }
}
