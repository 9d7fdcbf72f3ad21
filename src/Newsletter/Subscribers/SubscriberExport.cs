using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Newsletter.Audit;
using Newsletter.Data;

namespace Newsletter.Subscribers;

/// <summary>Streams every subscriber as CSV, a page at a time by id, so memory stays flat at a million rows.</summary>
public sealed class SubscriberExport(NewsletterDb db, AuditLog audit)
{
    private const int PageSize = 5000;

    public static readonly string[] Columns = ["email", "name", "frequency", "status", "topics", "subscribed_at", "confirmed_at", "unsubscribed_at", "consent_source"];

    public async Task WriteCsvAsync(Stream output, CancellationToken cancellationToken)
    {
        await audit.RecordAsync(AuditActions.SubscribersExported, null, "all subscribers as CSV", cancellationToken);
        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        // Escape cells that a spreadsheet would run as a formula (=, +, -, @): names are reader-supplied.
        await using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape });
        foreach (var column in Columns) csv.WriteField(column);
        await csv.NextRecordAsync();
        long lastId = 0;
        while (true)
        {
            var page = await db.Set<Subscriber>().AsNoTracking().Where(s => s.Id > lastId).OrderBy(s => s.Id).Take(PageSize)
                .Select(s => new { s.Id, s.Email, s.Name, s.Frequency, s.Status, s.Topics, s.CreatedAt, s.ConfirmedAt, s.UnsubscribedAt, s.ConsentSource })
                .ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            foreach (var s in page)
            {
                csv.WriteField(s.Email);
                csv.WriteField(s.Name);
                csv.WriteField(s.Frequency.ToString().ToLowerInvariant());
                csv.WriteField(s.Status.ToString().ToLowerInvariant());
                csv.WriteField(s.Topics);
                csv.WriteField(Iso(s.CreatedAt));
                csv.WriteField(Iso(s.ConfirmedAt));
                csv.WriteField(Iso(s.UnsubscribedAt));
                csv.WriteField(s.ConsentSource);
                await csv.NextRecordAsync();
            }
            await csv.FlushAsync();
            lastId = page[^1].Id;
        }
    }

    private static string Iso(DateTime? value) => value?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? string.Empty;
}
