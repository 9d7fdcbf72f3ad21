using Hangfire;
using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

/// <summary>
/// Staff record gifts made elsewhere, one by hand or many from a CSV (date, amount, currency, name, email, source,
/// reference). Source + reference is unique, so importing the same export twice adds nothing the second time.
/// </summary>
public sealed partial class OfflineGifts(NewsletterDb db, DonationCalendar calendar, Hangfire.IBackgroundJobClient jobs, AuditLog audit, TimeProvider clock, ILogger<OfflineGifts> logger)
{
    public const int BatchSize = 500;
    public const int MaxReportedErrors = 1000;

    /// <summary>
    /// Records one gift; a gift with the same source and reference is returned as it is, not added again. With
    /// <paramref name="sendReceipt"/> (staff ticked the box) and an address, a receipt goes into the outbox in the same
    /// transaction, once per gift (the ledger's receipt kind and once-key).
    /// </summary>
    public async Task<(Donation Donation, bool Created)> RecordAsync(OfflineGift gift, bool sendReceipt, CancellationToken cancellationToken)
    {
        if (gift.Reference is not null)
        {
            var existing = await db.Set<Donation>().AsNoTracking().SingleOrDefaultAsync(d => d.Source == gift.Source && d.OfflineReference == gift.Reference, cancellationToken);
            if (existing is not null) return (existing, false);
        }
        var donation = await ToDonationAsync(gift, cancellationToken);
        long? receiptId;
        try
        {
            receiptId = await SaveAsync(donation, sendReceipt, cancellationToken);
        }
        catch (DbUpdateException e) when (gift.Reference is not null && DatabaseErrors.IsUniqueViolation(e))
        {
            // The same gift posted twice at once (a double click, two staff): the other request recorded it.
            db.ChangeTracker.Clear();
            return (await db.Set<Donation>().AsNoTracking().SingleAsync(d => d.Source == gift.Source && d.OfflineReference == gift.Reference, cancellationToken), false);
        }
        if (receiptId is { } id) jobs.Enqueue<Email.TransactionalEmailJob>(job => job.SendAsync(id, CancellationToken.None));
        LogRecorded(logger, 1, 0);
        await audit.RecordAsync(AuditActions.OfflineGiftRecorded, $"donation {donation.Id}", $"{donation.Amount} {donation.Currency} ({donation.Source})", cancellationToken);
        return (donation, true);
    }

    private Task<long?> SaveAsync(Donation donation, bool sendReceipt, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async token =>
        {
            db.Add(donation);
            await db.SaveChangesAsync(token);
            if (!sendReceipt || donation.DonorEmail is null) return (long?)null;
            var receipt = new Email.TransactionalEmail
            {
                Kind = DonationLedger.ReceiptKind, SubjectId = donation.Id, OnceKey = donation.Id.ToString(CultureInfo.InvariantCulture),
                Recipient = donation.DonorEmail, CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            db.Add(receipt);
            await db.SaveChangesAsync(token);
            return (long?)receipt.Id;
        }, cancellationToken);

    /// <summary>Streams a CSV in batches of <see cref="BatchSize"/>, one transaction each; every rejected row is reported with its line.</summary>
    public async Task<OfflineImportReport> ImportAsync(Stream csv, CancellationToken cancellationToken)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            BadDataFound = null,
            TrimOptions = TrimOptions.Trim,
        };
        using var reader = new StreamReader(csv, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        using var parser = new CsvReader(reader, configuration);
        string[] required = ["date", "amount", "currency", "source", "reference"];
        if (!await parser.ReadAsync() || !parser.ReadHeader() || parser.HeaderRecord is null
            || required.Any(column => !parser.HeaderRecord.Any(h => h.Trim().Equals(column, StringComparison.OrdinalIgnoreCase))))
            throw new ImportFormatException($"The first line must name the columns; required: {string.Join(", ", required)} (optional: name, email, message).");
        var added = 0;
        var duplicates = 0;
        var errors = new List<ImportError>();
        var rejected = 0;
        var batch = new List<(int Line, OfflineGift Gift)>();
        while (await parser.ReadAsync())
        {
            var line = parser.Parser.Row;
            if (OfflineGift.TryCreate(calendar, parser.GetField("date"), parser.GetField("amount"), parser.GetField("currency"), parser.GetField("name"), parser.GetField("email"),
                    parser.GetField("source"), parser.GetField("reference"), parser.GetField("message"), referenceRequired: true, out var gift, out var problems))
                batch.Add((line, gift));
            else if (++rejected <= MaxReportedErrors)
                errors.Add(new ImportError(line, string.Join(" ", problems)));
            if (batch.Count < BatchSize) continue;
            var (a, d) = await SaveBatchAsync(batch, cancellationToken);
            (added, duplicates) = (added + a, duplicates + d);
            batch.Clear();
        }
        if (batch.Count > 0)
        {
            var (a, d) = await SaveBatchAsync(batch, cancellationToken);
            (added, duplicates) = (added + a, duplicates + d);
        }
        LogRecorded(logger, added, duplicates);
        await audit.RecordAsync(AuditActions.DonationsImported, null, $"{added} recorded, {duplicates} already recorded, {rejected} rejected", cancellationToken);
        return new OfflineImportReport(added, duplicates, rejected, errors);
    }

    private Task<(int Added, int Duplicates)> SaveBatchAsync(List<(int Line, OfflineGift Gift)> batch, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async token =>
        {
            var references = batch.Select(b => b.Gift.Reference!).Distinct().ToList();
            var taken = (await db.Set<Donation>().AsNoTracking().Where(d => d.OfflineReference != null && references.Contains(d.OfflineReference))
                    .Select(d => new { d.Source, d.OfflineReference }).ToListAsync(token))
                .Select(d => (d.Source, d.OfflineReference!)).ToHashSet();
            var added = 0;
            foreach (var (_, gift) in batch)
            {
                // The same gift twice in one file counts once, like a gift already in the database.
                if (!taken.Add((gift.Source, gift.Reference!))) continue;
                db.Add(await ToDonationAsync(gift, token));
                added++;
            }
            await db.SaveChangesAsync(token);
            return (added, batch.Count - added);
        }, cancellationToken);

    private async Task<Donation> ToDonationAsync(OfflineGift gift, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var donation = new Donation
        {
            Source = gift.Source, Kind = DonationKind.Offline, Amount = gift.Amount, Currency = gift.Currency,
            Outcome = PaymentOutcome.Paid, Status = DonationStatus.Paid, PaidAt = gift.Date,
            DonorName = gift.Name, DonorEmail = gift.Email?.Address, DonorEmailKey = gift.Email?.Key, Message = gift.Message,
            OfflineReference = gift.Reference, CreatedAt = now, UpdatedAt = now,
        };
        if (gift.Email is not null)
            donation.SubscriberId = await db.Set<Subscriber>().Where(s => s.EmailKey == gift.Email.Key).Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);
        return donation;
    }

    [LoggerMessage(EventId = 4080, EventName = "OfflineGiftsRecorded", Level = LogLevel.Information, Message = "Offline gifts recorded: {Added} added, {Duplicates} already known")]
    private static partial void LogRecorded(ILogger logger, int added, int duplicates);
}

/// <summary>What an import did: rows added, rows already known (same source and reference), rows rejected with reasons.</summary>
public sealed record OfflineImportReport(int Added, int Duplicates, int Rejected, IReadOnlyList<ImportError> Errors);
