using System.ComponentModel.DataAnnotations;

namespace Newsletter.Jobs;

/// <summary>Hangfire: where jobs are stored and how many run at once in this process.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>
    /// InMemory (default; web and worker in one process), Postgres or SqlServer (many processes share it: one web
    /// process and any number of workers).
    /// </summary>
    public JobStorageKind Storage { get; set; } = JobStorageKind.InMemory;

    /// <summary>Connection string for Postgres or SqlServer storage; empty means the database's own.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Worker threads in this process. Hangfire's default (cores x 5, up to 20) would put twenty writers on one SQLite
    /// file; a handful is plenty, sending parallelism is set per batch.
    /// </summary>
    [Range(1, 100)]
    public int WorkerCount { get; set; } = 4;

    /// <summary>
    /// How long a job taken by a worker that stopped answering stays invisible before another worker takes it over
    /// (SQL storages only). The timeout slides: a live worker keeps pushing it forward, so a long job is never taken
    /// twice while its worker lives, and a killed worker's job is picked up again this long after its last sign of
    /// life. Hangfire.PostgreSql's own default is 30 minutes and not sliding, which would hand a batch that runs
    /// longer than that to a second worker; see the README's "Running in production".
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

public enum JobStorageKind
{
    InMemory,
    SqlServer,
    Postgres,
}
