using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Newsletter.Data;

/// <summary>
/// Per-connection SQLite settings. In WAL mode <c>synchronous=NORMAL</c> cannot corrupt the database; it only lets the
/// last commits before a power cut be lost, and saves an fsync per commit (SQLite's own advice for WAL). The page cache
/// is 4 MiB per connection: sending touches a few pages per window, and with 32 MiB on every pooled connection a send
/// to 1,000,000 readers grew the process by about 100 MiB of cached pages. Only the one connection that reads a whole
/// table (an import, a fan-out) takes a large cache, with <see cref="UseLargeCacheAsync"/>. All connections together
/// stay near 16 MiB (<c>soft_heap_limit</c>, process-wide: past it SQLite recycles its least recently used cached pages
/// instead of allocating more): a send's nine pooled connections filled 36 MiB of cache, and the process kept it.
/// Measured with scripts/bench-send.sh (100,000 readers): peak RSS 311 to 291 MiB at the same speed; the SQLite import
/// benchmark kept its ratio to raw inserts (0.75). <c>busy_timeout</c> lets
/// SQLite itself wait for the single writer in steps of a few milliseconds, up to the command timeout:
/// Microsoft.Data.Sqlite's own retry sleeps 150 ms per attempt, which turns every brief wait into a stall.
/// </summary>
public sealed class SqlitePragmas(int commandTimeoutSeconds) : DbConnectionInterceptor
{
    /// <summary>Every connection's page cache (negative: KiB), set at each open and again by <see cref="UseSmallCacheAsync"/>.</summary>
    private const string SmallCache = "PRAGMA cache_size=-4096;";

    private readonly string _pragmas =
        $"PRAGMA synchronous=NORMAL; {SmallCache} PRAGMA temp_store=MEMORY; PRAGMA soft_heap_limit=16777216; PRAGMA busy_timeout={commandTimeoutSeconds * 1000};";

    /// <summary>
    /// 32 MiB of page cache for this context's open connection (SQLite only), so an import or a fan-out keeps a big
    /// table's indexes in memory. Call it inside the transaction that does the work; the next open sets 4 MiB again.
    /// </summary>
    public static Task UseLargeCacheAsync(NewsletterDb db, CancellationToken cancellationToken) =>
        db.Database.IsSqlite() ? db.Database.ExecuteSqlRawAsync("PRAGMA cache_size=-32768;", cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Back to 4 MiB on this context's open connection, as the last step of the transaction that called
    /// <see cref="UseLargeCacheAsync"/>: SQLite frees the pages above 4 MiB as the commit releases them, instead of
    /// keeping them on a pooled connection until its next open. Follow it with <see cref="TrimNativeHeap"/>.
    /// </summary>
    public static Task UseSmallCacheAsync(NewsletterDb db, CancellationToken cancellationToken) =>
        db.Database.IsSqlite() ? db.Database.ExecuteSqlRawAsync(SmallCache, cancellationToken) : Task.CompletedTask;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>
    /// Gives the C heap's free memory back to the system (glibc's <c>malloc_trim</c>; elsewhere nothing). SQLite's freed
    /// pages otherwise stay in the arena of the thread that used them, which the sending threads seldom reuse: after a
    /// fan-out to 1,000,000 readers (30 MiB of page cache at its highest) a send peaked at 287-291 MiB with the cache
    /// shrunk and trimmed, against 299-302 MiB without (scripts/bench-send.sh's engine, two alternating pairs).
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
