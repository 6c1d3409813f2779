namespace KaMeng.Domain;

/// <summary>What started a backup.</summary>
public enum BackupTrigger { Job = 1, Button = 2, Cli = 3 }

public enum BackupResult { Running = 0, Succeeded = 1, Failed = 2 }

/// <summary>数据备份记录: one backup, from its start to its outcome (the archive's name, size and SHA-256, or the error).</summary>
public class BackupRun
{
    public long Id { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public BackupTrigger Trigger { get; set; }
    /// <summary>The user who pressed 立即备份 (null for the job and the command line).</summary>
    public string? StartedBy { get; set; }
    public required string FileName { get; set; }
    public long? SizeBytes { get; set; }
    /// <summary>SHA-256 of the whole archive file, lower-case hex.</summary>
    public string? Sha256 { get; set; }
    public BackupResult Result { get; set; }
    public string? Error { get; set; }

    public void Succeed(long sizeBytes, string sha256)
    {
        Result = BackupResult.Succeeded;
        SizeBytes = sizeBytes;
        Sha256 = sha256;
    }

    /// <summary>Failed, with the error kept to its first 2,000 characters.</summary>
    public void Fail(string error)
    {
        Result = BackupResult.Failed;
        Error = error.Length > 2000 ? error[..2000] : error;
    }

    public static string TriggerName(BackupTrigger t) => t switch
    {
        BackupTrigger.Job => "计划任务",
        BackupTrigger.Button => "立即备份",
        BackupTrigger.Cli => "命令行",
        _ => t.ToString(),
    };

    public static string ResultName(BackupResult r) => r switch
    {
        BackupResult.Running => "进行中",
        BackupResult.Succeeded => "成功",
        BackupResult.Failed => "失败",
        _ => r.ToString(),
    };
}
