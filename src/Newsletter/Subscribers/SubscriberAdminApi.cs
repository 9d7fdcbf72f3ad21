using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Web;

namespace Newsletter.Subscribers;

/// <summary>Staff endpoints: list, import and export CSV, a subscriber's data, unsubscribe, erase.</summary>
public static class SubscriberAdminApi
{
    public static IEndpointRouteBuilder MapSubscriberAdminApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/admin/subscribers").WithTags("Staff: subscribers").RequireAuthorization(ApiKeys.ApiScopes.AdminPolicy);
        api.MapGet("/", List).WithSummary("Page through subscribers (keyset: pass the last id as 'after').");
        api.MapGet("/{id:long}", Get).WithSummary("One subscriber.");
        api.MapGet("/{id:long}/data", ExportData).WithSummary("Everything we hold about one subscriber, as JSON.");
        api.MapPost("/{id:long}/unsubscribe", Unsubscribe).WithSummary("Unsubscribe a reader on their behalf (they get no more digests).");
        api.MapDelete("/{id:long}", Erase).WithSummary("Erase a subscriber; the address's hash stays on the suppression list.");
        api.MapPost("/import", Import).WithSummary("Import a CSV (email, name, frequency, status, subscribed_at), streamed.")
            .Accepts<string>("text/csv").DisableAntiforgery().WithMetadata(new SubscriberImportLimitAttribute());
        api.MapGet("/export", Export).WithSummary("All subscribers as CSV, streamed.");
        // A person by address, whether or not they subscribed (a donor, say): GDPR access and erasure.
        var people = routes.MapGroup("/api/admin/people").WithTags("Staff: people").RequireAuthorization(ApiKeys.ApiScopes.AdminPolicy);
        people.MapGet("/data", ExportPerson).WithSummary("Everything held about an address (subscriber or not), as JSON.");
        people.MapPost("/erase", ErasePerson).WithSummary("Erase whoever an address is (subscriber or donor); its hash stays on the suppression list.");
        return routes;
    }

    public sealed record PersonRequest(string? Email);

    private static async Task<Results<Ok<PersonDataExport>, NotFound, ValidationProblem>> ExportPerson(string? email, SubscriberPrivacy privacy, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!Email.EmailAddress.TryParse(email, out var address, out var error)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error] });
        var data = await privacy.ExportPersonAsync(address, cancellationToken);
        if (data is null) return TypedResults.NotFound();
        await audit.RecordAsync(data.Subscriber is null ? AuditActions.DonorDataExported : AuditActions.SubscriberDataExported, null, "by address", cancellationToken);
        return TypedResults.Ok(data);
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> ErasePerson(PersonRequest request, SubscriberPrivacy privacy, CancellationToken cancellationToken)
    {
        if (!Email.EmailAddress.TryParse(request.Email, out var address, out var error)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error] });
        return await privacy.ErasePersonAsync(address, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public sealed record SubscriberSummary(long Id, string Email, string? Name, string Frequency, string Status, string[] Topics, DateTime SubscribedAt, DateTime? ConfirmedAt, DateTime? UnsubscribedAt);

    public sealed record SubscriberPage(IReadOnlyList<SubscriberSummary> Items, long? Next);

    private static async Task<Results<Ok<SubscriberPage>, ValidationProblem>> List(SubscriberDirectory directory, string? search, string? status, long? after, int? limit,
        CancellationToken cancellationToken)
    {
        var take = Math.Clamp(limit ?? 50, 1, 500);
        SubscriberStatus? wanted = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!Enum.TryParse<SubscriberStatus>(status, ignoreCase: true, out var parsed))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Status must be unconfirmed, confirmed or unsubscribed."] });
            wanted = parsed;
        }
        // The API pages oldest first from 'after' (0: the start).
        var items = await directory.Matching(new SubscriberSearch(search, wanted, null, null, after ?? 0)).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new SubscriberPage(items.Select(Summary).ToList(), items.Count == take ? items[^1].Id : null));
    }

    private static async Task<Results<Ok<SubscriberSummary>, NotFound>> Get(long id, NewsletterDb db, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return subscriber is null ? TypedResults.NotFound() : TypedResults.Ok(Summary(subscriber));
    }

    private static async Task<Results<Ok<SubscriberDataExport>, NotFound>> ExportData(long id, SubscriberPrivacy privacy, AuditLog audit, CancellationToken cancellationToken)
    {
        var data = await privacy.ExportAsync(id, cancellationToken);
        if (data is null) return TypedResults.NotFound();
        await audit.RecordAsync(AuditActions.SubscriberDataExported, $"subscriber {id}", null, cancellationToken);
        return TypedResults.Ok(data);
    }

    private static async Task<Results<NoContent, NotFound>> Unsubscribe(long id, NewsletterDb db, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return TypedResults.NotFound();
        await subscriptions.UnsubscribeAsync(subscriber, "staff", cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound>> Erase(long id, SubscriberPrivacy privacy, CancellationToken cancellationToken) =>
        await privacy.EraseAsync(id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> Import(HttpContext http, SubscriberImport import, IOptions<SubscriberOptions> options, string? mode, CancellationToken cancellationToken)
    {
        var importMode = mode?.ToLowerInvariant() switch
        {
            null or "" or "confirmed" => ImportMode.Confirmed,
            "send-confirmation" => ImportMode.SendConfirmation,
            _ => (ImportMode?)null,
        };
        if (importMode is null) return TypedResults.Problem(statusCode: 400, title: "Unknown import mode", detail: "mode must be 'confirmed' or 'send-confirmation'.");
        // The body is limited as it is read (SubscriberImportLimit): a chunked upload past the limit stops there.
        var saved = new LatestReport();
        try
        {
            return TypedResults.Ok(await import.ImportAsync(http.Request.Body, importMode.Value, cancellationToken, saved));
        }
        catch (ImportFormatException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "The file cannot be imported", detail: e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem(statusCode: 413, title: "File too large", detail: TooLarge(options.Value.MaxImportBytes, saved.Last));
        }
    }

    /// <summary>What to say when an upload passed the limit: the batches saved before it stay imported.</summary>
    public static string TooLarge(long maxBytes, ImportReport? saved) =>
        $"Imports are limited to {maxBytes} bytes and the upload was larger; it was read up to the limit. "
        + (saved is null ? "No row was imported." : $"The rows saved before that stay: {saved.Imported} imported, {saved.Updated} updated.");

    /// <summary>Keeps the report after each saved batch (synchronously, unlike Progress&lt;T&gt;).</summary>
    public sealed class LatestReport : IProgress<ImportReport>
    {
        public ImportReport? Last { get; private set; }

        public void Report(ImportReport value) => Last = value;
    }

    private static async Task Export(HttpContext http, SubscriberExport export, CancellationToken cancellationToken)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"subscribers-{DateTime.UtcNow:yyyyMMdd}.csv\"";
        await export.WriteCsvAsync(http.Response.Body, cancellationToken);
    }

    private static SubscriberSummary Summary(Subscriber s) => new(s.Id, s.Email, s.Name, s.Frequency.ToString().ToLowerInvariant(), s.Status.ToString().ToLowerInvariant(),
        s.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries), s.CreatedAt, s.ConfirmedAt, s.UnsubscribedAt);
}
