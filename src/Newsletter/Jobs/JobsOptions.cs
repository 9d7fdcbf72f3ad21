using System.ComponentModel.DataAnnotations;

namespace Newsletter.Jobs;

/// <summary>Hangfire: where jobs are stored and how many run at once in this process.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>InMemory (default; web and worker in one process) or SqlServer (many workers share it).</summary>
    public JobStorageKind Storage { get; set; } = JobStorageKind.InMemory;

    /// <summary>Connection string for SqlServer storage; empty means the database's own.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Worker threads in this process. Hangfire's default (cores x 5, up to 20) would put twenty writers on one SQLite
    /// file; a handful is plenty, sending parallelism is set per batch.
    /// </summary>
    [Range(1, 100)]
    public int WorkerCount { get; set; } = 4;
}

public enum JobStorageKind
{
    InMemory,
    SqlServer,
}
