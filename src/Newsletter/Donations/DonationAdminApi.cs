using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Subscribers;
using Newsletter.Web;

namespace Newsletter.Donations;

/// <summary>Staff endpoints: list and filter donations, totals, CSV export, offline gifts, annual statements, failed webhook events.</summary>
public static class DonationAdminApi
{
    public static IEndpointRouteBuilder MapDonationAdminApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/admin/donations").WithTags("Staff: donations").RequireAuthorization(ApiKeys.ApiScopes.AdminPolicy);
        api.MapGet("/", List).WithSummary("Page through donations, newest first (keyset: pass the last id as 'before').");
        api.MapGet("/{id:long}", Get).WithSummary("One donation with its Stripe ids, refunds and dispute.");
        api.MapGet("/totals", Totals).WithSummary("Totals by day or month and by currency, recurring monthly revenue, donor count, top supporters.");
        api.MapGet("/export", Export).WithSummary("Donations as CSV for accounting, streamed.");
        api.MapGet("/plans", Plans).WithSummary("Recurring plans.");
        api.MapPost("/offline", RecordOffline).WithSummary("Record a gift made elsewhere; the same source and reference are recorded once.");
        api.MapPost("/import", Import).WithSummary("Import offline gifts from CSV (date, amount, currency, name, email, source, reference).")
            .Accepts<string>("text/csv").DisableAntiforgery().WithMetadata(new DonationImportLimitAttribute());
        api.MapPost("/statements", Statements).WithSummary("Queue an annual statement email for every donor who gave in the year.");
        api.MapGet("/webhook-events", WebhookEvents).WithSummary("Stored Stripe events, e.g. state=failed for those that need a person.");
        api.MapPost("/webhook-events/{id:long}/retry", RetryWebhookEvent).WithSummary("Apply a stored Stripe event again (one that failed).");
        api.MapSupporterAdminApi();
        return routes;
    }

    public sealed record DonationSummary(long Id, string Source, string Kind, string Status, long Amount, long AmountRefunded, string Currency,
        string? DonorName, string? DonorEmail, string? Message, long? SubscriberId, long? RecurringPlanId, string? StripeCheckoutSessionId,
        string? StripePaymentIntentId, string? StripeInvoiceId, string? OfflineReference, DateTime CreatedAt, DateTime? PaidAt);

    public sealed record DonationPage(IReadOnlyList<DonationSummary> Items, long? Next);

    public sealed record TotalsReport(string GroupBy, IReadOnlyList<PeriodTotal> ByPeriod, IReadOnlyList<CurrencyTotal> ByCurrency,
        IReadOnlyList<MoneyAmount> MonthlyRecurringRevenue, int DonorCount, IReadOnlyList<Supporter> TopSupporters);

    public sealed record OfflineGiftInput(string? Date, long? Amount, string? Currency, string? Name, string? Email, string? Source, string? Reference, string? Message, bool SendReceipt = false);

    public sealed record StatementInput(int? Year);

    public sealed record PlanSummary(long Id, string StripeSubscriptionId, long Amount, string Currency, string Interval, string Status, string? DonorName, string? DonorEmail, DateTime StartedAt, DateTime? CancelledAt,
        int IntervalCount);

    public sealed record WebhookEventSummary(long Id, string EventId, string Type, string State, int Attempts, DateTime ReceivedAt, DateTime? ProcessedAt, string? Note);

    private static async Task<Results<Ok<DonationPage>, ValidationProblem>> List(DonationSearch search, DonationCalendar calendar, string? status, string? source, string? currency,
        string? email, DateTime? from, DateTime? to, long? before, int? limit, CancellationToken cancellationToken)
    {
        DonationStatus? wanted = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!DonationSearch.TryStatus(status, out var parsed))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Status must be pending, paid, failed, refunded, partially-refunded or disputed."] });
            wanted = parsed;
        }
        var filter = new DonationFilter(wanted, null, source, currency, email, from is { } f ? calendar.ToUtc(f) : null, to is { } t ? calendar.ToUtc(t) : null, before);
        var page = await search.FindAsync(filter, Math.Clamp(limit ?? 50, 1, 500), cancellationToken);
        return TypedResults.Ok(new DonationPage(page.Items.Select(Summary).ToList(), page.Next));
    }

    private static async Task<Results<Ok<DonationSummary>, NotFound>> Get(long id, NewsletterDb db, CancellationToken cancellationToken)
    {
        var donation = await db.Set<Donation>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        return donation is null ? TypedResults.NotFound() : TypedResults.Ok(Summary(donation));
    }

    /// <remarks>Dates without an offset ("2025-01-01") are the publisher's (Donations:TimeZone), as are the days and months.</remarks>
    private static async Task<Results<Ok<TotalsReport>, ValidationProblem>> Totals(DonationTotals totals, DonationCalendar calendar, DateTime? from, DateTime? to, string? groupBy, int? top,
        CancellationToken cancellationToken)
    {
        var period = (groupBy ?? "month").ToLowerInvariant() switch { "day" => TotalsPeriod.Day, "month" => TotalsPeriod.Month, _ => (TotalsPeriod?)null };
        if (period is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["groupBy"] = ["groupBy must be day or month."] });
        var (start, end) = (from is { } f ? calendar.ToUtc(f) : (DateTime?)null, to is { } t ? calendar.ToUtc(t) : (DateTime?)null);
        return TypedResults.Ok(new TotalsReport(
            period.Value.ToString().ToLowerInvariant(),
            await totals.ByPeriodAsync(period.Value, start, end, cancellationToken),
            await totals.ByCurrencyAsync(start, end, cancellationToken),
            await totals.MonthlyRecurringRevenueAsync(cancellationToken),
            await totals.DonorCountAsync(start, end, cancellationToken),
            await totals.TopSupportersAsync(start, end, top ?? 10, cancellationToken)));
    }

    private static async Task Export(HttpContext http, DonationExport export, DonationCalendar calendar, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"donations-{DateTime.UtcNow:yyyyMMdd}.csv\"";
        await export.WriteCsvAsync(http.Response.Body, from is { } f ? calendar.ToUtc(f) : null, to is { } t ? calendar.ToUtc(t) : null, cancellationToken);
    }

    private static async Task<Ok<List<PlanSummary>>> Plans(DonationSearch search, CancellationToken cancellationToken) =>
        TypedResults.Ok((await search.RecentPlansAsync(1000, cancellationToken))
            .Select(p => new PlanSummary(p.Id, p.StripeSubscriptionId, p.Amount, p.Currency, p.Interval, p.Status.ToString(), p.DonorName, p.DonorEmail, p.StartedAt, p.CancelledAt, p.IntervalCount))
            .ToList());

    private static async Task<Results<Created<DonationSummary>, Ok<DonationSummary>, ValidationProblem>> RecordOffline(OfflineGiftInput input, OfflineGifts gifts,
        DonationCalendar calendar, CancellationToken cancellationToken)
    {
        var currency = input.Currency?.Trim().ToLowerInvariant() ?? string.Empty;
        // The API takes minor units like every amount it returns; the CSV import takes major units like a spreadsheet.
        var major = input.Amount is > 0 and var minor ? (minor / (decimal)Money.MinorPerMajor(currency)).ToString(CultureInfo.InvariantCulture) : null;
        if (!OfflineGift.TryCreate(calendar, input.Date, major, input.Currency, input.Name, input.Email, input.Source, input.Reference, input.Message, referenceRequired: false, out var gift, out var errors))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["gift"] = errors.ToArray() });
        var (donation, created) = await gifts.RecordAsync(gift, input.SendReceipt, cancellationToken);
        return created ? TypedResults.Created($"/api/admin/donations/{donation.Id}", Summary(donation)) : TypedResults.Ok(Summary(donation));
    }

    private static async Task<Results<Ok<OfflineImportReport>, ProblemHttpResult>> Import(HttpContext http, OfflineGifts gifts, IOptions<DonationOptions> options, CancellationToken cancellationToken)
    {
        // The body is limited as it is read (DonationImportLimit), so a chunked upload cannot pass the limit either.
        try
        {
            return TypedResults.Ok(await gifts.ImportAsync(http.Request.Body, cancellationToken));
        }
        catch (ImportFormatException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "The file cannot be imported", detail: e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem(statusCode: 413, title: "File too large",
                detail: $"Imports are limited to {options.Value.MaxImportBytes} bytes and the upload was larger; it was read up to the limit, "
                    + $"and gifts in batches of {OfflineGifts.BatchSize} saved before that stay recorded (importing the file again records each gift once).");
        }
    }

    private static async Task<Results<Ok<StatementRun>, ValidationProblem>> Statements(StatementInput input, AnnualStatements statements, DonationCalendar calendar, CancellationToken cancellationToken)
    {
        var thisYear = calendar.Today.Year;
        if (input.Year is not { } year || year < 2000 || year > thisYear)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["year"] = [$"year must be between 2000 and {thisYear}."] });
        return TypedResults.Ok(await statements.QueueAsync(year, cancellationToken));
    }

    private static async Task<Results<Ok<List<WebhookEventSummary>>, ValidationProblem>> WebhookEvents(NewsletterDb db, string? state, long? before, int? limit, CancellationToken cancellationToken)
    {
        var query = db.Set<StripeWebhookEvent>().AsNoTracking();
        if (!string.IsNullOrWhiteSpace(state))
        {
            if (!Enum.TryParse<StripeEventState>(state, ignoreCase: true, out var parsed))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["state must be received, processing, processed, ignored or failed."] });
            query = query.Where(e => e.State == parsed);
        }
        if (before is { } last) query = query.Where(e => e.Id < last);
        return TypedResults.Ok(await query.OrderByDescending(e => e.Id).Take(Math.Clamp(limit ?? 100, 1, 1000))
            .Select(e => new WebhookEventSummary(e.Id, e.EventId, e.Type, e.State.ToString().ToLower(), e.Attempts, e.ReceivedAt, e.ProcessedAt, e.Note))
            .ToListAsync(cancellationToken));
    }

    private static async Task<Results<Accepted, NotFound>> RetryWebhookEvent(long id, StripeEventJob job, CancellationToken cancellationToken) =>
        await job.RetryFailedAsync(id, cancellationToken) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound();

    /// <summary>"partially-refunded", "one-time": the names the API and the CSV use.</summary>
    public static string Name<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static DonationSummary Summary(Donation d) => new(d.Id, d.Source, Name(d.Kind), Name(d.Status), d.Amount, d.AmountRefunded, d.Currency,
        d.DonorName, d.DonorEmail, d.Message, d.SubscriberId, d.RecurringPlanId, d.StripeCheckoutSessionId, d.StripePaymentIntentId, d.StripeInvoiceId,
        d.OfflineReference, d.CreatedAt, d.PaidAt);
}
