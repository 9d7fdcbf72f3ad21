using System.Globalization;
using System.Threading.Channels;
using CsvHelper;
using CsvHelper.Configuration;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Observability;

namespace Newsletter.Subscribers;

/// <summary>
/// Streams a CSV of subscribers (email, name, frequency, status, subscribed_at) into the database in batches,
/// one transaction per batch, so memory stays flat whatever the file size. Every rejected row is reported with its
/// line and reason. An import never brings back someone who unsubscribed and never adds a suppressed address.
/// </summary>
public sealed partial class SubscriberImport(NewsletterDb db, SuppressionList suppression, UnsubscribeTombstones tombstones, IBackgroundJobClient jobs, AuditLog audit,
    NewsletterMetrics metrics, TimeProvider clock, IServiceScopeFactory scopes, ILogger<SubscriberImport> logger)
{
    public const int BatchSize = 5000;
    public const int MaxReportedErrors = 1000;

    /// <summary>Attempts per batch when it collides with addresses added meanwhile (see <see cref="SaveBatchAsync"/>).</summary>
    private const int MaxCollisions = 3;

    public async Task<ImportReport> ImportAsync(Stream csv, ImportMode mode, CancellationToken cancellationToken, IProgress<ImportReport>? progress = null)
    {
        var report = new ImportReportBuilder();
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.Trim,
        };
        long badDataRow = -1;
        configuration.BadDataFound = args => badDataRow = args.Context.Parser!.Row;
        using var reader = new StreamReader(csv, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        using var parser = new CsvReader(reader, configuration);

        if (!await parser.ReadAsync() || !parser.ReadHeader() || parser.HeaderRecord is null || !parser.HeaderRecord.Any(h => h.Trim().Equals("email", StringComparison.OrdinalIgnoreCase)))
            throw new ImportFormatException("The first line must be a header with at least an 'email' column (optional: name, frequency, status, subscribed_at).");

        // Reading and checking the next batch overlaps saving this one (two threads, one batch ahead, so memory stays
        // flat). The reader parses, drops repeated addresses and looks up which addresses are suppressed, unsubscribed or
        // already on the list, on a connection of its own; the saver re-reads only the rows it will update, writes and
        // commits. Measured with scripts/bench-import-postgres.sh, the reader's half (parsing, hashing, lookups) took
        // about as long as the saver's, so one waiting for the other doubled an import. Each batch carries the lines it
        // rejected; only this method touches the report.
        var batches = Channel.CreateBounded<ParsedBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var checks = new BatchChecks(scope.ServiceProvider.GetRequiredService<NewsletterDb>(), scope.ServiceProvider.GetRequiredService<SuppressionList>(),
                    scope.ServiceProvider.GetRequiredService<UnsubscribeTombstones>());
                var batch = new ParsedBatch();
                while (await parser.ReadAsync())
                {
                    // The saver failed or the import was cancelled: stop reading (an upload may have far to go).
                    stop.Token.ThrowIfCancellationRequested();
                    var line = parser.Parser.Row;
                    if (badDataRow == line) { batch.Rejected.Add((line, "The line is not valid CSV (check its quotes).")); continue; }
                    var row = ParseRow(parser, line, mode, batch.Rejected);
                    if (row is not null) batch.Add(row);
                    if (batch.Rows.Count >= BatchSize)
                    {
                        await batch.CheckAsync(checks, stop.Token);
                        await batches.Writer.WriteAsync(batch, stop.Token);
                        batch = new ParsedBatch();
                    }
                }
                if (batch.Rows.Count > 0) await batch.CheckAsync(checks, stop.Token);
                if (batch.Rows.Count > 0 || batch.Rejected.Count > 0) await batches.Writer.WriteAsync(batch, stop.Token);
                batches.Writer.Complete();
            }
            catch (Exception e)
            {
                batches.Writer.Complete(e);
            }
        }, CancellationToken.None);

        var db0 = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
            {
                foreach (var (line, reason) in batch.Rejected) report.Reject(line, reason);
                if (batch.Rows.Count == 0) continue;
                await SaveBatchAsync(batch, mode, report, cancellationToken);
                progress?.Report(report.Build());
            }
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = db0;
            // A failed save stops the reader too (it may be waiting to hand over its next batch).
            await stop.CancelAsync();
            await reading;
        }
        if (mode == ImportMode.SendConfirmation && report.Imported + report.Updated > 0)
            jobs.Enqueue<TransactionalEmailJob>(job => job.SweepAsync(CancellationToken.None));
        report.CountInto(metrics);
        var result = report.Build();
        LogImported(logger, result.Imported, result.Updated, result.Rejected);
        await audit.RecordAsync(AuditActions.SubscribersImported, null,
            $"{result.Imported} imported, {result.Updated} updated, {result.Rejected} rejected ({(mode == ImportMode.Confirmed ? "confirmed" : "send-confirmation")})", cancellationToken);
        return result;
    }

    private ImportRow? ParseRow(CsvReader csv, long line, ImportMode mode, List<(long Line, string Reason)> rejected)
    {
        if (!EmailAddress.TryParse(csv.GetField("email"), out var email, out var emailError)) { rejected.Add((line, emailError)); return null; }
        var errors = new Dictionary<string, string[]>();
        var name = SignupValidation.TryName(Field(csv, "name"), errors);
        var frequency = SignupValidation.TryFrequency(Field(csv, "frequency"), errors);
        if (errors.Count > 0) { rejected.Add((line, errors.Values.First()[0])); return null; }
        SubscriberStatus status;
        switch (Field(csv, "status")?.ToLowerInvariant())
        {
            case null or "": status = mode == ImportMode.Confirmed ? SubscriberStatus.Confirmed : SubscriberStatus.Unconfirmed; break;
            case "confirmed" or "subscribed" or "active" or "enabled":
                status = mode == ImportMode.Confirmed ? SubscriberStatus.Confirmed : SubscriberStatus.Unconfirmed; break;
            case "unconfirmed" or "pending": status = SubscriberStatus.Unconfirmed; break;
            case "unsubscribed" or "blocklisted": status = SubscriberStatus.Unsubscribed; break;
            default: rejected.Add((line, "Status must be confirmed, unconfirmed or unsubscribed.")); return null;
        }
        var subscribedAt = clock.GetUtcNow().UtcDateTime;
        var subscribedText = Field(csv, "subscribed_at");
        if (!string.IsNullOrEmpty(subscribedText))
        {
            if (!DateTime.TryParse(subscribedText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out subscribedAt))
            {
                rejected.Add((line, "subscribed_at is not a date (use ISO 8601, e.g. 2024-03-01T09:30:00Z).")); return null;
            }
        }
        return new ImportRow(line, email, name, frequency, status, subscribedAt);
    }

    private static string? Field(CsvReader csv, string name) => csv.TryGetField<string>(name, out var value) ? value : null;

    private async Task SaveBatchAsync(ParsedBatch batch, ImportMode mode, ImportReportBuilder report, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        BatchOutcome outcome;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                outcome = await db.InTransactionAsync(token => SaveOnceAsync(batch, mode, now, token), cancellationToken);
                break;
            }
            catch (Exception e) when (attempt < MaxCollisions && DatabaseErrors.IsUniqueViolation(e))
            {
                // Someone added one of these addresses between our read and our insert (a sign-up, another import):
                // the batch rolled back whole; read again, and that address is now an update.
                db.ChangeTracker.Clear();
                LogCollision(logger, attempt);
                await batch.CheckAsync(new BatchChecks(null, suppression, tombstones), cancellationToken);
            }
        }
        db.ChangeTracker.Clear();
        report.Add(outcome);
        report.CountInto(metrics);
    }

    private async Task<BatchOutcome> SaveOnceAsync(ParsedBatch batch, ImportMode mode, DateTime now, CancellationToken token)
    {
        var keys = batch.Rows.Keys.ToList();
        // Each batch probes and grows the big address index: this connection gets the large page cache.
        await Data.SqlitePragmas.UseLargeCacheAsync(db, token);
        // Only the addresses the reader found on the list are read again here, inside this transaction, so an update
        // starts from their state now. The others are inserted as new: one added meanwhile (a sign-up) makes the unique
        // index refuse the batch, and it is read again whole (SaveBatchAsync).
        var existingKeys = batch.Existing?.ToList() ?? keys;
        var existing = existingKeys.Count == 0 ? [] : await (await ByAddressAsync(db, existingKeys, token)).ToDictionaryAsync(s => s.EmailKey, token);
        var (suppressed, unsubscribed) = (batch.Suppressed, batch.Unsubscribed);
        var result = new BatchOutcome();
        var created = new List<Subscriber>();
        foreach (var row in batch.Rows.Values)
        {
            if (suppressed.Contains(row.Email.Key)) { result.Rejected.Add((row.Line, "The address is on the suppression list.")); continue; }
            if (existing.TryGetValue(row.Email.Key, out var subscriber))
            {
                if (row.Name is not null) subscriber.Name = row.Name;
                subscriber.Frequency = row.Frequency;
                // Never resurrect: an unsubscribe stands until the reader says otherwise.
                if (row.Status == SubscriberStatus.Unsubscribed && subscriber.Status != SubscriberStatus.Unsubscribed)
                {
                    subscriber.Status = SubscriberStatus.Unsubscribed;
                    subscriber.UnsubscribedAt = now;
                }
                else if (row.Status == SubscriberStatus.Confirmed && subscriber.Status == SubscriberStatus.Unconfirmed)
                {
                    subscriber.Status = SubscriberStatus.Confirmed;
                    subscriber.ConfirmedAt = now;
                }
                subscriber.UpdatedAt = now;
                db.Entry(subscriber).State = EntityState.Modified;
                result.Updated++;
                continue;
            }
            // The address unsubscribed once (its row may be gone): only the owner's own sign-up brings it back.
            if (unsubscribed.Contains(row.Email.Key)) { result.Rejected.Add((row.Line, "The address unsubscribed; only the reader can subscribe again (a sign-up they confirm).")); continue; }
            created.Add(new Subscriber
            {
                Email = row.Email.Address,
                EmailKey = row.Email.Key,
                Name = row.Name,
                Frequency = row.Frequency,
                Status = row.Status,
                CreatedAt = row.SubscribedAt,
                UpdatedAt = now,
                ConfirmedAt = row.Status == SubscriberStatus.Confirmed ? row.SubscribedAt : null,
                UnsubscribedAt = row.Status == SubscriberStatus.Unsubscribed ? now : null,
                // An import is consent vouched for by staff; ConsentAt starts the confirmation clock for the others.
                ConsentAt = mode == ImportMode.SendConfirmation ? now : row.SubscribedAt,
                ConsentSource = "import",
            });
            result.Imported++;
        }
        await db.SaveChangesAsync(token);
        await SubscriberBulkInsert.InsertAsync(db, created, token);
        if (mode == ImportMode.SendConfirmation)
        {
            var toConfirm = created.Where(s => s.Status == SubscriberStatus.Unconfirmed).Select(s => s.EmailKey).ToList();
            var ids = await db.Set<Subscriber>().Where(s => EF.Parameter(toConfirm).Contains(s.EmailKey)).Select(s => new { s.Id, s.Email }).ToListAsync(token);
            foreach (var subscriber in ids)
                db.Add(new TransactionalEmail { Kind = SubscriberEmailKinds.Confirm, SubjectId = subscriber.Id, Recipient = subscriber.Email, CreatedAt = now });
            await db.SaveChangesAsync(token);
        }
        return result;
    }

    [LoggerMessage(EventId = 3021, EventName = "SubscriberImportCollision", Level = LogLevel.Information,
        Message = "An import batch met addresses added meanwhile; reading them again (attempt {Attempt})")]
    private static partial void LogCollision(ILogger logger, int attempt);

    [LoggerMessage(EventId = 3020, EventName = "SubscribersImported", Level = LogLevel.Information, Message = "Import finished: {Imported} imported, {Updated} updated, {Rejected} rejected")]
    private static partial void LogImported(ILogger logger, int imported, int updated, int rejected);

    private sealed record ImportRow(long Line, EmailAddress Email, string? Name, DigestFrequency Frequency, SubscriberStatus Status, DateTime SubscribedAt);

    /// <summary>
    /// Up to <see cref="BatchSize"/> checked rows, one per address, with which of their addresses are suppressed or
    /// unsubscribed, and the lines rejected while reading them.
    /// </summary>
    private sealed class ParsedBatch
    {
        public readonly Dictionary<string, ImportRow> Rows = new(BatchSize, StringComparer.Ordinal);
        public readonly List<(long Line, string Reason)> Rejected = [];
        public HashSet<string> Suppressed = [];
        public HashSet<string> Unsubscribed = [];

        /// <summary>The addresses already on the list when the reader looked; null: not looked (all are read again).</summary>
        public HashSet<string>? Existing;

        /// <summary>Later lines for the same address in one batch are reported, not silently merged.</summary>
        public void Add(ImportRow row)
        {
            if (Rows.TryGetValue(row.Email.Key, out var first)) Rejected.Add((row.Line, $"The same address is already on line {first.Line}."));
            else Rows[row.Email.Key] = row;
        }

        public async Task CheckAsync(BatchChecks checks, CancellationToken cancellationToken)
        {
            Suppressed = await checks.Suppression.SuppressedKeysAsync(Rows.Keys, cancellationToken);
            Unsubscribed = await checks.Tombstones.TombstonedKeysAsync(Rows.Keys, cancellationToken);
            if (checks.Db is null) { Existing = null; return; }
            var keys = Rows.Keys.ToList();
            async Task<HashSet<string>> ReadAsync(CancellationToken token) =>
                (await (await ByAddressAsync(checks.Db, keys, token)).Select(s => s.EmailKey).ToListAsync(token)).ToHashSet(StringComparer.Ordinal);
            // PostgreSQL's planner setting (ByAddressAsync) holds for a transaction; SQLite reads without one, beside the
            // saver's write transaction (WAL), where a transaction of ours would wait for its write lock.
            Existing = checks.Db.Database.IsNpgsql() ? await checks.Db.InTransactionAsync(ReadAsync, cancellationToken) : await ReadAsync(cancellationToken);
        }
    }

    /// <summary>The reader's lookups, on its own connection; no context: the saver's, which reads existing rows itself.</summary>
    private sealed record BatchChecks(NewsletterDb? Db, SuppressionList Suppression, UnsubscribeTombstones Tombstones);

    /// <summary>The subscribers with these addresses, read by index (inside the caller's transaction).</summary>
    private static async Task<IQueryable<Subscriber>> ByAddressAsync(NewsletterDb db, List<string> keys, CancellationToken cancellationToken)
    {
        // PostgreSQL's planner reads 5,000 addresses with an index as dearer than one scan of the table until the table
        // is large; summed over an import that made a million-row import read 99.5 million rows (516 scans, no index
        // use). The index probes are the right plan at every size here (SET LOCAL: this transaction only).
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_seqscan = off", cancellationToken);
        return db.Set<Subscriber>().Where(s => EF.Parameter(keys).Contains(s.EmailKey));
    }

    private sealed class BatchOutcome
    {
        public int Imported;
        public int Updated;
        public readonly List<(long Line, string Reason)> Rejected = [];
    }

    private sealed class ImportReportBuilder
    {
        private readonly List<ImportError> _errors = [];
        public int Imported;
        public int Updated;
        public int Rejected;

        public void Reject(long line, string reason)
        {
            Rejected++;
            if (_errors.Count < MaxReportedErrors) _errors.Add(new ImportError(line, reason));
        }

        private (int Imported, int Updated, int Rejected) _counted;

        /// <summary>Adds the rows finished since the last call to the import-rows metric, so it moves during a long import.</summary>
        public void CountInto(NewsletterMetrics metrics)
        {
            metrics.ImportRows(Imported - _counted.Imported, Updated - _counted.Updated, Rejected - _counted.Rejected);
            _counted = (Imported, Updated, Rejected);
        }

        public void Add(BatchOutcome batch)
        {
            Imported += batch.Imported;
            Updated += batch.Updated;
            foreach (var (line, reason) in batch.Rejected) Reject(line, reason);
        }

        public ImportReport Build() => new(Imported, Updated, Rejected, _errors.OrderBy(e => e.Line).ToList(), Rejected > _errors.Count);
    }
}

public enum ImportMode
{
    /// <summary>Staff vouch for the rows: they are confirmed at once (unless the row says otherwise).</summary>
    Confirmed,
    /// <summary>New rows are unconfirmed and each gets a confirmation email.</summary>
    SendConfirmation,
}

/// <summary>What an import did: counts, and the rejected lines (the first 1,000) with reasons.</summary>
public sealed record ImportReport(int Imported, int Updated, int Rejected, IReadOnlyList<ImportError> Errors, bool ErrorsTruncated);

public sealed record ImportError(long Line, string Reason);

/// <summary>The file cannot be imported at all (no header, no email column).</summary>
public sealed class ImportFormatException(string message) : Exception(message);
