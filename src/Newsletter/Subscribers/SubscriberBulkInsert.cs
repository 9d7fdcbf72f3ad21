using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Newsletter.Data;

namespace Newsletter.Subscribers;

/// <summary>
/// Inserts many new subscribers through one prepared INSERT command re-executed per row inside the caller's
/// transaction. EF's SaveChanges tracks every entity and rebuilds commands, which caps an import near 10,000 rows/s
/// on SQLite; re-executing one prepared statement does several times that. Parameters are made by EF's own type
/// mappings, so Guids, dates and enums are stored exactly as EF stores and reads them.
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

    /// <summary>Inserts the rows inside the transaction the context has open.</summary>
    public static async Task InsertAsync(NewsletterDb db, IReadOnlyList<Subscriber> subscribers, CancellationToken cancellationToken)
    {
        if (subscribers.Count == 0) return;
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A bulk insert must run inside a transaction.");
        var mappings = db.GetService<IRelationalTypeMappingSource>();
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO Subscribers ({string.Join(", ", Columns.Select(c => c.Column))}) " +
                              $"VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i))})";
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
