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
        // Nothing to apply (every start but the first after an upgrade): EF's Migrate would still build the migrations'
        // model snapshot and a design-time copy of our model to compare them (its pending-model-changes check, which
        // ModelTests makes for every provider instead), and the process kept both for its life: about 5 MiB resident
        // (196-197 against 201-202 MiB, an idle host on SQLite, two pairs of runs). Processes starting together stay
        // safe: one that still sees a migration pending calls Migrate, which waits for EF's migration lock and re-checks.
        if (pending.Count > 0) await db.Database.MigrateAsync(cancellationToken);
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
