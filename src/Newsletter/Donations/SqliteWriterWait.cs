using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>
/// Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms between retries, which turns every brief wait
/// for the single writer into a 150 ms stall. SQLite's own busy handler waits in steps of a few milliseconds, so the
/// webhook path and its job hand the write lock back and forth quickly. (A candidate for Data/ for every feature.)
/// </summary>
internal static class SqliteWriterWait
{
    /// <summary>30 s, the default command timeout: after that the caller fails as before.</summary>
    private const string BusyTimeout = "PRAGMA busy_timeout = 30000;";

    /// <summary>Opens the context's connection and lets SQLite itself wait up to the command timeout for the write lock.</summary>
    public static async Task UseNativeBusyWaitAsync(NewsletterDb db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite()) return;
        await db.Database.OpenConnectionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(BusyTimeout, cancellationToken);
    }
}
