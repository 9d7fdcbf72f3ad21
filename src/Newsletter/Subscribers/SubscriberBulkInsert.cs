using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Newsletter.Data;
using Npgsql;
using NpgsqlTypes;

namespace Newsletter.Subscribers;

/// <summary>
/// Inserts many new subscribers inside the caller's transaction. On PostgreSQL it streams them with Npgsql's binary
/// <c>COPY ... FROM STDIN</c>, the server's own bulk path (no statement per row, no parsing). Elsewhere it re-executes one
/// prepared INSERT per row: EF's SaveChanges tracks every entity and rebuilds commands, which caps an import near
/// 10,000 rows/s on SQLite; one prepared statement does several times that. Parameters are made by EF's own type
/// mappings, so Guids, dates and enums are stored exactly as EF stores and reads them; COPY writes the PostgreSQL types
/// EF's migrations created (uuid, integer, timestamp with time zone in UTC, text).
/// </summary>
internal static class SubscriberBulkInsert
{
    private static readonly (string Column, Type Type)[] Columns =
    [
        (nameof(Subscriber.PublicId), typeof(Guid)), (nameof(Subscriber.Email), typeof(string)),
        (nameof(Subscriber.EmailKey), typeof(string)), (nameof(Subscriber.Name), typeof(string)),
        (nameof(Subscriber.Frequency), typeof(int)), (nameof(Subscriber.Topics), typeof(string)),
        (nameof(Subscriber.Status), typeof(int)), (nameof(Subscriber.CreatedAt), typeof(DateTime)),
        (nameof(Subscriber.UpdatedAt), typeof(DateTime)), (nameof(Subscriber.ConfirmedAt), typeof(DateTime)),
        (nameof(Subscriber.UnsubscribedAt), typeof(DateTime)), (nameof(Subscriber.ConsentAt), typeof(DateTime)),
        (nameof(Subscriber.ConsentSource), typeof(string)),
    ];

    private static readonly string ColumnList = string.Join(", ", Columns.Select(c => $"\"{c.Column}\""));

    /// <summary>Inserts the rows inside the transaction the context has open.</summary>
    public static Task InsertAsync(NewsletterDb db, IReadOnlyList<Subscriber> subscribers, CancellationToken cancellationToken)
    {
        if (subscribers.Count == 0) return Task.CompletedTask;
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A bulk insert must run inside a transaction.");
        return transaction.Connection is NpgsqlConnection npgsql
            ? CopyAsync(npgsql, subscribers, cancellationToken)
            : InsertEachAsync(db, transaction, subscribers, cancellationToken);
    }

    /// <summary>Binary COPY: it joins the connection's open transaction, so a failed batch leaves nothing behind.</summary>
    private static async Task CopyAsync(NpgsqlConnection connection, IReadOnlyList<Subscriber> subscribers, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync($"COPY \"Subscribers\" ({ColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var s in subscribers)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(s.PublicId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(s.Email, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(s.EmailKey, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, s.Name, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync((int)s.Frequency, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(s.Topics, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync((int)s.Status, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(UtcDateTimeConverter.ToUtc(s.CreatedAt), NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(UtcDateTimeConverter.ToUtc(s.UpdatedAt), NpgsqlDbType.TimestampTz, cancellationToken);
            await WriteNullableAsync(copy, UtcDateTimeConverter.ToUtc(s.ConfirmedAt), NpgsqlDbType.TimestampTz, cancellationToken);
            await WriteNullableAsync(copy, UtcDateTimeConverter.ToUtc(s.UnsubscribedAt), NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(UtcDateTimeConverter.ToUtc(s.ConsentAt), NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(s.ConsentSource, NpgsqlDbType.Text, cancellationToken);
        }
        await copy.CompleteAsync(cancellationToken);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, DateTime? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is { } v ? copy.WriteAsync(v, type, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    private static async Task InsertEachAsync(NewsletterDb db, DbTransaction transaction, IReadOnlyList<Subscriber> subscribers, CancellationToken cancellationToken)
    {
        var mappings = db.GetService<IRelationalTypeMappingSource>();
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"Subscribers\" ({ColumnList}) VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i))})";
        var parameters = new DbParameter[Columns.Length];
        for (var i = 0; i < Columns.Length; i++)
        {
            var mapping = mappings.FindMapping(Columns[i].Type) ?? throw new InvalidOperationException($"No type mapping for {Columns[i].Type}.");
            parameters[i] = mapping.CreateParameter(command, "@p" + i, null, nullable: true);
            command.Parameters.Add(parameters[i]);
        }
        foreach (var s in subscribers)
        {
            parameters[0].Value = s.PublicId;
            parameters[1].Value = s.Email;
            parameters[2].Value = s.EmailKey;
            parameters[3].Value = (object?)s.Name ?? DBNull.Value;
            parameters[4].Value = (int)s.Frequency;
            parameters[5].Value = s.Topics;
            parameters[6].Value = (int)s.Status;
            parameters[7].Value = s.CreatedAt;
            parameters[8].Value = s.UpdatedAt;
            parameters[9].Value = (object?)s.ConfirmedAt ?? DBNull.Value;
            parameters[10].Value = (object?)s.UnsubscribedAt ?? DBNull.Value;
            parameters[11].Value = s.ConsentAt;
            parameters[12].Value = s.ConsentSource;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
