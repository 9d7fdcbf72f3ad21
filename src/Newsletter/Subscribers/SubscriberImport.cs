using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Hangfire;
using Microsoft.EntityFrameworkCore;
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
    NewsletterMetrics metrics, TimeProvider clock, ILogger<SubscriberImport> logger)
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

        var batch = new List<ImportRow>(BatchSize);
        var db0 = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            while (await parser.ReadAsync())
            {
                var line = parser.Parser.Row;
                if (badDataRow == line) { report.Reject(line, "The line is not valid CSV (check its quotes)."); continue; }
                var row = ParseRow(parser, line, mode, report);
                if (row is not null) batch.Add(row);
                if (batch.Count >= BatchSize)
                {
                    await SaveBatchAsync(batch, mode, report, cancellationToken);
                    batch.Clear();
                    progress?.Report(report.Build());
                }
            }
            if (batch.Count > 0) await SaveBatchAsync(batch, mode, report, cancellationToken);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = db0;
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

    private ImportRow? ParseRow(CsvReader csv, long line, ImportMode mode, ImportReportBuilder report)
    {
        if (!EmailAddress.TryParse(csv.GetField("email"), out var email, out var emailError)) { report.Reject(line, emailError); return null; }
        var errors = new Dictionary<string, string[]>();
        var name = SignupValidation.TryName(Field(csv, "name"), errors);
        var frequency = SignupValidation.TryFrequency(Field(csv, "frequency"), errors);
        if (errors.Count > 0) { report.Reject(line, errors.Values.First()[0]); return null; }
        SubscriberStatus status;
        switch (Field(csv, "status")?.ToLowerInvariant())
        {
            case null or "": status = mode == ImportMode.Confirmed ? SubscriberStatus.Confirmed : SubscriberStatus.Unconfirmed; break;
            case "confirmed" or "subscribed" or "active" or "enabled":
                status = mode == ImportMode.Confirmed ? SubscriberStatus.Confirmed : SubscriberStatus.Unconfirmed; break;
            case "unconfirmed" or "pending": status = SubscriberStatus.Unconfirmed; break;
            case "unsubscribed" or "blocklisted": status = SubscriberStatus.Unsubscribed; break;
            default: report.Reject(line, "Status must be confirmed, unconfirmed or unsubscribed."); return null;
        }
        var subscribedAt = clock.GetUtcNow().UtcDateTime;
        var subscribedText = Field(csv, "subscribed_at");
        if (!string.IsNullOrEmpty(subscribedText))
        {
            if (!DateTime.TryParse(subscribedText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out subscribedAt))
            {
                report.Reject(line, "subscribed_at is not a date (use ISO 8601, e.g. 2024-03-01T09:30:00Z)."); return null;
            }
        }
        return new ImportRow(line, email, name, frequency, status, subscribedAt);
    }

    private static string? Field(CsvReader csv, string name) => csv.TryGetField<string>(name, out var value) ? value : null;

    private async Task SaveBatchAsync(List<ImportRow> rows, ImportMode mode, ImportReportBuilder report, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Later lines for the same address in one batch are reported, not silently merged.
        var unique = new Dictionary<string, ImportRow>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (unique.TryGetValue(row.Email.Key, out var first)) report.Reject(row.Line, $"The same address is already on line {first.Line}.");
            else unique[row.Email.Key] = row;
        }
        BatchOutcome outcome;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                outcome = await db.InTransactionAsync(token => SaveOnceAsync(unique, mode, now, token), cancellationToken);
                break;
            }
            catch (Exception e) when (attempt < MaxCollisions && DatabaseErrors.IsUniqueViolation(e))
            {
                // Someone added one of these addresses between our read and our insert (a sign-up, another import):
                // the batch rolled back whole; read again, and that address is now an update.
                db.ChangeTracker.Clear();
                LogCollision(logger, attempt);
            }
        }
        db.ChangeTracker.Clear();
        report.Add(outcome);
        report.CountInto(metrics);
    }

    private async Task<BatchOutcome> SaveOnceAsync(Dictionary<string, ImportRow> unique, ImportMode mode, DateTime now, CancellationToken token)
    {
        var keys = unique.Keys.ToList();
        // Each batch probes and grows the big address index: this connection gets the large page cache.
        await Data.SqlitePragmas.UseLargeCacheAsync(db, token);
        var suppressed = await suppression.SuppressedKeysAsync(keys, token);
        var unsubscribed = await tombstones.TombstonedKeysAsync(keys, token);
        var existing = await db.Set<Subscriber>().Where(s => EF.Parameter(keys).Contains(s.EmailKey)).ToDictionaryAsync(s => s.EmailKey, token);
        var result = new BatchOutcome();
        var created = new List<Subscriber>();
        foreach (var row in unique.Values)
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
