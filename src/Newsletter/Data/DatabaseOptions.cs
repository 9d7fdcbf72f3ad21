using System.ComponentModel.DataAnnotations;

namespace Newsletter.Data;

/// <summary>
/// Which database the service uses. SQLite is the embedded default; PostgreSQL is the production server, tested against
/// a running server in CI; SQL Server is compile-checked and script-checked only.
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Sqlite (default, a file under the data directory), Postgres or SqlServer.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Connection string; empty means <c>Data Source={DataDirectory}/newsletter.db</c> for SQLite.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply migrations at start-up. Production turns this off and runs the <c>migrate</c> verb once per deploy.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Seconds a command may wait (SQLite: also how long a writer waits for the lock).</summary>
    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 30;
}

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    Postgres,
}
