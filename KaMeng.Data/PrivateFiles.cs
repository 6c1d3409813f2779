namespace KaMeng.Data;

/// <summary>
/// Files at rest readable only by the service account: the data folder, the database, the key ring and the pepper are
/// directories 0700 and files 0600 on Unix (on Windows the folder's ACL is the operator's, nothing is changed).
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (and missing parents) as 0700, or tightens an existing one to 0700.</summary>
    public static DirectoryInfo EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return Directory.CreateDirectory(path);
        var info = Directory.Exists(path) ? new DirectoryInfo(path) : Directory.CreateDirectory(path, DirectoryPermissions);
        if ((info.UnixFileMode & ~DirectoryPermissions) != 0) info.UnixFileMode = DirectoryPermissions;
        return info;
    }

    /// <summary>Tightens an existing file to 0600 (nothing when it does not exist).</summary>
    public static void Tighten(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path)) return;
        if ((File.GetUnixFileMode(path) & ~FilePermissions) != 0) File.SetUnixFileMode(path, FilePermissions);
    }

    /// <summary>Tightens every file directly in the directory to 0600.</summary>
    public static void TightenFiles(string directory, string pattern = "*")
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory, pattern)) Tighten(file);
    }

    /// <summary>Creates a new file as 0600 from the start (FileMode.CreateNew: throws IOException when it exists).</summary>
    public static FileStream CreateNew(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FilePermissions;
        return new FileStream(path, options);
    }

    /// <summary>
    /// A SQLite database file made 0600 before SQLite first opens it (SQLite creates its -wal and -shm files with the
    /// database file's permissions), or tightened when it exists. An empty file is a valid new database.
    /// </summary>
    public static void PrepareSqliteFile(string path)
    {
        if (OperatingSystem.IsWindows() || string.IsNullOrEmpty(path) || path == ":memory:" || path.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return;
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } dir && !Directory.Exists(dir)) EnsureDirectory(dir);
        if (!File.Exists(full))
        {
            try { using var _ = CreateNew(full); }
            catch (IOException) when (File.Exists(full)) { }
        }
        foreach (var file in new[] { full, full + "-wal", full + "-shm", full + "-journal" }) Tighten(file);
    }
}
