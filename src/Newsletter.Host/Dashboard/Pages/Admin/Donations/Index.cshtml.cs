using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using System.Text.Json;
using Newsletter.Audit;
using Newsletter.Donations;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Donations;

/// <summary>
/// Donations: the filtered list (status, one-time/recurring/offline, dates, currency) with its totals, recurring plans,
/// recording one offline gift or importing many from CSV, the CSV export, and queuing annual statements.
/// </summary>
[Newsletter.Donations.DonationImportLimit]
public sealed class IndexModel(DonationSearch search, DonationTotals totals, OfflineGifts gifts, AnnualStatements statements, IOptions<DonationOptions> options,
    DonationCalendar calendar, TimeProvider clock) : StaffPage
{
    public const int PageSize = 50;

    public override string Title => "Donations";

    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public string? Currency { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }

    [BindProperty] public OfflineGiftForm Gift { get; set; } = new();

    public IReadOnlyList<Donation> Donations { get; private set; } = [];
    public IReadOnlyList<CurrencyTotal> Totals { get; private set; } = [];
    public IReadOnlyList<MoneyAmount> RecurringRevenue { get; private set; } = [];
    public IReadOnlyList<RecurringPlan> Plans { get; private set; } = [];
    public long? Next { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public IReadOnlyList<string> FilterErrors { get; private set; } = [];
    public OfflineImportReport? ImportReport { get; private set; }
    public StatementRun? Statements { get; private set; }
    public int ThisYear => calendar.Today.Year;

    /// <summary>The publisher's date of a stored UTC time.</summary>
    public string LocalDate(DateTime utc) => calendar.Date(utc);

    public string TimeZone => calendar.Zone.Id;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken) ? Page() : Invalid();

    /// <summary>Every donation in the date filter as CSV (the accounting export), streamed.</summary>
    public async Task<IActionResult> OnGetExportAsync([FromServices] DonationExport export, CancellationToken cancellationToken)
    {
        if (!TryDates(out var from, out var to)) return await InvalidAsync(cancellationToken);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"donations-{clock.GetUtcNow():yyyyMMdd}.csv\"";
        await export.WriteCsvAsync(Response.Body, from, to, cancellationToken);
        return new EmptyResult();
    }

    public async Task<IActionResult> OnPostOfflineAsync(CancellationToken cancellationToken)
    {
        if (!OfflineGift.TryCreate(calendar, Gift.Date, Gift.Amount, Gift.Currency, Gift.Name, Gift.Email, Gift.Source, Gift.Reference, Gift.Message,
                referenceRequired: false, out var gift, out var errors))
        {
            Errors = errors;
            return await InvalidAsync(cancellationToken);
        }
        var (_, created) = await gifts.RecordAsync(gift, Gift.SendReceipt, cancellationToken);
        return Redirect("/admin/donations?notice=" + (created ? "recorded" : "already-recorded"));
    }

    public async Task<IActionResult> OnPostImportAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0) Errors = ["Choose a CSV file."];
        else if (file.Length > options.Value.MaxImportBytes) Errors = [$"Imports are limited to {options.Value.MaxImportBytes:N0} bytes."];
        else
        {
            try
            {
                await using var stream = file.OpenReadStream();
                ImportReport = await gifts.ImportAsync(stream, cancellationToken);
                await LoadAsync(cancellationToken);
                return Page();
            }
            catch (ImportFormatException e)
            {
                Errors = [e.Message];
            }
        }
        return await InvalidAsync(cancellationToken);
    }

    /// <summary>A donor's data by address (GDPR art. 15), whether or not they subscribed, as the JSON file they are entitled to.</summary>
    public async Task<IActionResult> OnGetDonorDataAsync(string? email, [FromServices] SubscriberPrivacy privacy, [FromServices] AuditLog audit, CancellationToken cancellationToken)
    {
        if (!Newsletter.Email.EmailAddress.TryParse(email, out var address, out var error)) Errors = [error];
        else if (await privacy.ExportPersonAsync(address, cancellationToken) is not { } data) Errors = ["Nothing is held about this address."];
        else
        {
            await audit.RecordAsync(data.Subscriber is null ? AuditActions.DonorDataExported : AuditActions.SubscriberDataExported, null, "by address", cancellationToken);
            return File(JsonSerializer.SerializeToUtf8Bytes(data, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), "application/json", "person-data.json");
        }
        return await InvalidAsync(cancellationToken);
    }

    /// <summary>Erases a donor (GDPR art. 17) after the address is typed twice; a subscriber with that address is erased whole.</summary>
    public async Task<IActionResult> OnPostEraseDonorAsync(string? email, string? confirmEmail, [FromServices] SubscriberPrivacy privacy, CancellationToken cancellationToken)
    {
        if (!Newsletter.Email.EmailAddress.TryParse(email, out var address, out var error)) Errors = [error];
        else if (!string.Equals(email?.Trim(), confirmEmail?.Trim(), StringComparison.OrdinalIgnoreCase)) Errors = ["To erase, type the address twice, the same."];
        else if (!await privacy.ErasePersonAsync(address, cancellationToken)) Errors = ["Nothing is held about this address."];
        else return Redirect("/admin/donations?notice=erased");
        return await InvalidAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostStatementsAsync(int? year, CancellationToken cancellationToken)
    {
        if (year is not { } chosen || chosen < 2000 || chosen > ThisYear)
        {
            Errors = [$"The year must be between 2000 and {ThisYear}."];
            return await InvalidAsync(cancellationToken);
        }
        Statements = await statements.QueueAsync(chosen, cancellationToken);
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (!TryDates(out var from, out var to)) errors.Add("Dates must look like 2026-03-01.");
        DonationStatus? status = null;
        if (!string.IsNullOrWhiteSpace(Status))
        {
            if (DonationSearch.TryStatus(Status, out var parsed)) status = parsed;
            else errors.Add("Unknown status.");
        }
        DonationKind? kind = null;
        if (!string.IsNullOrWhiteSpace(Kind))
        {
            if (DonationSearch.TryKind(Kind, out var parsed)) kind = parsed;
            else errors.Add("Unknown kind: one-time, recurring or offline.");
        }
        // A filter that does not parse is left out (and named), so the page still shows something useful.
        FilterErrors = errors;
        var page = await search.FindAsync(new DonationFilter(status, kind, Currency: Currency, From: from, To: to, Before: Before), PageSize, cancellationToken);
        (Donations, Next) = (page.Items, page.Next);
        Totals = await totals.ByCurrencyAsync(from, to, cancellationToken);
        RecurringRevenue = await totals.MonthlyRecurringRevenueAsync(cancellationToken);
        Plans = await search.RecentPlansAsync(PageSize, cancellationToken);
        return errors.Count == 0;
    }

    /// <summary>The form's dates are the publisher's days (Donations:TimeZone); "to" is inclusive, so the range ends at the start of the next day.</summary>
    private bool TryDates(out DateTime? from, out DateTime? to)
    {
        from = to = null;
        var ok = true;
        if (!string.IsNullOrWhiteSpace(From))
        {
            if (DateOnly.TryParseExact(From, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var f)) from = calendar.StartOfDayUtc(f);
            else ok = false;
        }
        if (!string.IsNullOrWhiteSpace(To))
        {
            // The calendar's last day has no next day: up to it is no upper bound at all.
            if (DateOnly.TryParseExact(To, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) to = t == DateOnly.MaxValue ? null : calendar.StartOfDayUtc(t.AddDays(1));
            else ok = false;
        }
        return ok;
    }

    private async Task<IActionResult> InvalidAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Invalid();
    }

    private PageResult Invalid()
    {
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    public static string Name<T>(T value) where T : struct, Enum => DonationAdminApi.Name(value);
}

/// <summary>The "record an offline gift" form, as typed (amount in major units).</summary>
public sealed class OfflineGiftForm
{
    public string? Date { get; set; }
    public string? Amount { get; set; }
    public string? Currency { get; set; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Source { get; set; }
    public string? Reference { get; set; }
    public string? Message { get; set; }

    /// <summary>Email the donor a receipt (offline gifts are otherwise thanked where they were given).</summary>
    public bool SendReceipt { get; set; }
}
