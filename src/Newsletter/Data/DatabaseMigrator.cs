using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Newsletter.Data;

/// <summary>Applies migrations and sets SQLite's journal mode. Used at start-up and by the <c>migrate</c> verb.</summary>
public sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, IOptions<DatabaseOptions> options, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        LogMigrated(logger, options.Value.Provider, pending.Count);
        await PrepareAsync(db, cancellationToken);
    }

    /// <summary>
    /// WAL lets readers work while one writer writes. EF only sets it when it creates the file itself,
    /// so a file made by anything else (a restore, the sqlite3 shell) would stay in rollback mode: set and check it.
    /// </summary>
    public async Task PrepareAsync(NewsletterDb db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite()) return;
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            var mode = (string?)await command.ExecuteScalarAsync(cancellationToken);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"SQLite refused WAL journal mode (got '{mode}').");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(EventId = 1000, EventName = "DatabaseMigrated", Level = LogLevel.Information,
        Message = "Database ({Provider}) is up to date; {Applied} migration(s) applied")]
    private static partial void LogMigrated(ILogger logger, DatabaseProvider provider, int applied);
}
