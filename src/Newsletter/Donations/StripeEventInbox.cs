using System.Threading.Channels;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>
/// Group commit for verified webhook events: requests that arrive together are inserted in one transaction (one
/// disk flush instead of one each), and each request waits until its own row is committed before Stripe gets 200.
/// It only batches writes; the unique index on the event id still decides duplicates, across processes too.
/// </summary>
public sealed partial class StripeEventInbox(IServiceScopeFactory scopes, IBackgroundJobClient jobs, ILogger<StripeEventInbox> logger) : BackgroundService
{
    /// <summary>At most this many events per transaction; more wait for the next one.</summary>
    public const int MaxBatch = 256;

    private readonly Channel<PendingEvent> _queue = Channel.CreateBounded<PendingEvent>(new BoundedChannelOptions(16 * MaxBatch)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Stores the event; the id of the new row, or null when an event with this id was already stored.</summary>
    public async Task<long?> StoreAsync(VerifiedEvent verified, CancellationToken cancellationToken)
    {
        var pending = new PendingEvent(verified, new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        // Once queued, the write goes ahead even if the caller gives up: the answer is the row, not the request.
        return await pending.Stored.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingEvent>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
                await WriteAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: requests still queued get an error, so Stripe delivers them again later.
            while (_queue.Reader.TryRead(out var pending)) pending.Stored.TrySetCanceled(stoppingToken);
        }
    }

    private async Task WriteAsync(List<PendingEvent> batch)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
            // CancellationToken.None: a batch that started is finished, so no request is left not knowing.
            var ids = await db.InTransactionAsync(token => InsertOnceAsync(db, batch, token), CancellationToken.None);
            var fresh = ids.Where(id => id is not null).Select(id => id!.Value).ToArray();
            if (fresh.Length > 0) jobs.Enqueue<StripeEventJob>(job => job.ProcessManyAsync(fresh, CancellationToken.None));
            for (var i = 0; i < batch.Count; i++) batch[i].Stored.TrySetResult(ids[i]);
        }
        catch (Exception e)
        {
            LogBatchFailed(logger, e, batch.Count);
            foreach (var pending in batch) pending.Stored.TrySetException(e);
        }
    }

    /// <summary>
    /// Inserts each event unless its id is stored already, one prepared statement for the whole batch: a repeat
    /// neither fails nor logs an error, the unique index decides. Returns the new rows' ids, null for repeats.
    /// PostgreSQL and SQLite share the ON CONFLICT form (on PostgreSQL a concurrent insert of the same id in another
    /// process waits for that transaction and then does nothing); SQL Server needs its own. Dates are UTC (Npgsql
    /// refuses any other kind), made so by <see cref="UtcDateTimeConverter.ToUtc(DateTime)"/>.
    /// </summary>
    private static async Task<long?[]> InsertOnceAsync(NewsletterDb db, List<PendingEvent> batch, CancellationToken cancellationToken)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        await using (command)
        {
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = db.Database.IsSqlServer()
                ? """
                  INSERT INTO [StripeWebhookEvents] ([EventId], [Type], [StripeCreatedAt], [ReceivedAt], [Payload], [State], [Attempts])
                  OUTPUT INSERTED.[Id]
                  SELECT @id, @type, @created, @received, @payload, 0, 0
                  WHERE NOT EXISTS (SELECT 1 FROM [StripeWebhookEvents] WITH (UPDLOCK, HOLDLOCK) WHERE [EventId] = @id)
                  """
                : """
                  INSERT INTO "StripeWebhookEvents" ("EventId", "Type", "StripeCreatedAt", "ReceivedAt", "Payload", "State", "Attempts")
                  VALUES (@id, @type, @created, @received, @payload, 0, 0)
                  ON CONFLICT ("EventId") DO NOTHING
                  RETURNING "Id"
                  """;
            var parameters = new[] { "@id", "@type", "@created", "@received", "@payload" }.Select(name =>
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
                return parameter;
            }).ToArray();
            var stored = new long?[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var verified = batch[i].Event;
                (parameters[0].Value, parameters[1].Value, parameters[2].Value, parameters[3].Value, parameters[4].Value) =
                    (verified.EventId, verified.Type, UtcDateTimeConverter.ToUtc(verified.CreatedAt), UtcDateTimeConverter.ToUtc(verified.ReceivedAt), verified.Payload);
                stored[i] = await command.ExecuteScalarAsync(cancellationToken) is { } id and not DBNull ? Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture) : null;
            }
            return stored;
        }
    }

    private sealed record PendingEvent(VerifiedEvent Event, TaskCompletionSource<long?> Stored);

    [LoggerMessage(EventId = 4004, EventName = "StripeWebhookStoreFailed", Level = LogLevel.Error, Message = "Storing {Count} Stripe event(s) failed; Stripe will deliver them again")]
    private static partial void LogBatchFailed(ILogger logger, Exception error, int count);
}

/// <summary>An event whose signature checked out, ready to store.</summary>
public sealed record VerifiedEvent(string EventId, string Type, DateTime CreatedAt, DateTime ReceivedAt, string Payload);
