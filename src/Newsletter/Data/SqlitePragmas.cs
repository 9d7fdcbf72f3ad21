using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Newsletter.Data;

/// <summary>
/// Per-connection SQLite settings. In WAL mode <c>synchronous=NORMAL</c> cannot corrupt the database; it only lets the
/// last commits before a power cut be lost, and saves an fsync per commit (SQLite's own advice for WAL). A larger page
/// cache keeps the indexes of a big subscriber table in memory during imports and fan-outs. <c>busy_timeout</c> lets
/// SQLite itself wait for the single writer in steps of a few milliseconds, up to the command timeout:
/// Microsoft.Data.Sqlite's own retry sleeps 150 ms per attempt, which turns every brief wait into a stall.
/// </summary>
public sealed class SqlitePragmas(int commandTimeoutSeconds) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA busy_timeout={commandTimeoutSeconds * 1000};";

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
