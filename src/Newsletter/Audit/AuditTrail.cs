using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Audit;

/// <summary>Reads the audit log: newest first in keyset pages with filters, and the whole (filtered) log as CSV.</summary>
public sealed class AuditTrail(NewsletterDb db)
{
    public const int PageSize = 100;

    public async Task<AuditPage> ListAsync(AuditFilter filter, long? before, CancellationToken cancellationToken)
    {
        var query = Filtered(filter);
        if (before is { } last) query = query.Where(e => e.Id < last);
        var items = await query.OrderByDescending(e => e.Id).Take(PageSize).ToListAsync(cancellationToken);
        return new AuditPage(items, items.Count == PageSize ? items[^1].Id : null);
    }

    /// <summary>Streams the filtered log, oldest first, a page at a time, so memory stays flat.</summary>
    public async Task WriteCsvAsync(Stream output, AuditFilter filter, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        // Targets and details can carry text people typed: a spreadsheet must not run them as formulas.
        await using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape });
        foreach (var column in new[] { "at", "actor", "action", "target", "detail", "ip_address" }) csv.WriteField(column);
        await csv.NextRecordAsync();
        long lastId = 0;
        while (true)
        {
            var page = await Filtered(filter).Where(e => e.Id > lastId).OrderBy(e => e.Id).Take(5000).ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            foreach (var e in page)
            {
                csv.WriteField(e.At.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                csv.WriteField(e.Actor);
                csv.WriteField(e.Action);
                csv.WriteField(e.Target);
                csv.WriteField(e.Detail);
                csv.WriteField(e.IpAddress);
                await csv.NextRecordAsync();
            }
            await csv.FlushAsync();
            lastId = page[^1].Id;
        }
    }

    private IQueryable<AuditEntry> Filtered(AuditFilter filter)
    {
        var query = db.Set<AuditEntry>().AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor)) query = query.Where(e => e.Actor.StartsWith(filter.Actor.Trim()));
        if (!string.IsNullOrWhiteSpace(filter.Action)) query = query.Where(e => e.Action.StartsWith(filter.Action.Trim()));
        if (filter.From is { } from) query = query.Where(e => e.At >= from);
        if (filter.To is { } to) query = query.Where(e => e.At < to);
        return query;
    }
}

/// <summary>Filters of the audit page: the start of the actor or the action, and a date range (UTC).</summary>
public sealed record AuditFilter(string? Actor, string? Action, DateTime? From, DateTime? To);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, long? NextBefore);
