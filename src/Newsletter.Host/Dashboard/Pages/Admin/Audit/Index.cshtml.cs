using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Newsletter.Audit;

namespace Newsletter.Host.Dashboard.Pages.Admin.Audit;

/// <summary>
/// Owners only: the audit log, newest first, filtered by who, what and when, in keyset pages; the same filter as CSV.
/// Nothing here (or anywhere) changes or deletes an entry.
/// </summary>
public sealed class IndexModel(AuditTrail trail, AuditLog audit) : StaffPage
{
    public override string Title => "Audit log";

    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    public AuditPage Entries { get; private set; } = new([], null);
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!TryFilter(out var filter)) return Invalid();
        Entries = await trail.ListAsync(filter, Before, cancellationToken);
        return Page();
    }

    /// <summary>The filtered log as CSV, streamed oldest first; exporting it is itself an audited action.</summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        if (!TryFilter(out var filter)) return Invalid();
        await audit.RecordAsync(AuditActions.AuditExported, null, $"actor {filter.Actor ?? "any"}, action {filter.Action ?? "any"}, from {From ?? "start"} to {To ?? "now"}", cancellationToken);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd}.csv\"";
        await trail.WriteCsvAsync(Response.Body, filter, cancellationToken);
        return new EmptyResult();
    }

    /// <summary>The link to the next page or the export: the same filters.</summary>
    public string LinkTo(string? handler = null, long? before = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["handler"] = handler, ["actor"] = Actor, ["action"] = Action, ["from"] = From, ["to"] = To,
            ["before"] = before?.ToString(CultureInfo.InvariantCulture),
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/admin/audit", query.Where(p => !string.IsNullOrEmpty(p.Value)));
    }

    private bool TryFilter(out AuditFilter filter)
    {
        filter = new AuditFilter(Cut(Actor), Cut(Action), null, null);
        DateTime? from = null, to = null;
        if (!string.IsNullOrWhiteSpace(From))
        {
            if (!TryDate(From, out var parsed)) { Error = "From must be a date like 2026-01-31."; return false; }
            from = parsed;
        }
        if (!string.IsNullOrWhiteSpace(To))
        {
            if (!TryDate(To, out var parsed)) { Error = "To must be a date like 2026-01-31."; return false; }
            // The calendar's last day has no next day: up to it is no upper bound at all.
            to = parsed.Date == DateTime.MaxValue.Date ? null : parsed.AddDays(1);
        }
        filter = filter with { From = from, To = to };
        return true;
    }

    private static bool TryDate(string text, out DateTime date) =>
        DateTime.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

    private static string? Cut(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().Length > 256 ? value.Trim()[..256] : value.Trim();

    private PageResult Invalid()
    {
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }
}
