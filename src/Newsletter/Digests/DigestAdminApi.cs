using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Web;

namespace Newsletter.Digests;

/// <summary>Staff endpoints for digests (what the dashboard calls): list, progress, plan, send now, test copy, preview, retry.</summary>
public static class DigestAdminApi
{
    public static IEndpointRouteBuilder MapDigestAdminApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/admin/digests").WithTags("Staff: digests").RequireAuthorization(ApiKeys.ApiScopes.AdminPolicy);
        api.MapGet("/", List).WithSummary("Issues, newest first (keyset: pass the last id as 'before').");
        api.MapGet("/{id:long}", Get).WithSummary("One issue with its progress counts.");
        api.MapPost("/plan", Plan).WithSummary("Plan the next issue of a frequency without sending it.");
        api.MapPost("/send-now", SendNow).WithSummary("Plan the next issue of a frequency and start sending it at once.");
        api.MapPost("/{id:long}/send", Send).WithSummary("Start sending a planned issue.");
        api.MapPost("/{id:long}/test", SendTest).WithSummary("Send a test copy to one address (outside the ledger).");
        api.MapGet("/{id:long}/preview", Preview).WithSummary("The HTML a given subscriber would receive.");
        api.MapPost("/{id:long}/retry-failed", RetryFailed).WithSummary("Send the Failed deliveries again (only those).");
        api.MapPost("/{id:long}/resend-unknown", ResendUnknown)
            .WithSummary("Send the Unknown deliveries again. The server may already have some of them: those readers may get a second copy.");
        api.MapPost("/{id:long}/pause", Pause)
            .WithSummary("Stop a sending issue: copies already handed to a connection still go out, every other reader waits for resume.");
        api.MapPost("/{id:long}/cancel", Cancel)
            .WithSummary("End a paused issue for good: its readers not yet sent to are skipped; the next issue covers its articles again.");
        api.MapPost("/{id:long}/resume", Resume).WithSummary("Resume a paused issue once the cause (the server's reply) is fixed.");
        api.MapGet("/{id:long}/deliveries", Deliveries).WithSummary("Deliveries in one state (failed, unknown, ...) with the reader's address; keyset by 'after'.");
        return routes;
    }

    public sealed record FrequencyRequest(string? Frequency);

    public sealed record TestRequest(string? Email);

    public sealed record IssueSummary(long Id, string Frequency, string Subject, string State, DateTime PeriodStart, DateTime PeriodEnd,
        DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, DeliveryCounts? Progress, string? PausedReason = null, DateTime? PausedAt = null,
        string? PausedBy = null, string? CancelledBy = null);

    public sealed record ResendResult(int Resent, string Warning);

    public sealed record CancelResponse(int Skipped);

    public sealed record DeliveryItem(long Id, long SubscriberId, string Email, string State, int Attempts, int? SmtpStatus, string? Error, DateTime? ClaimedAt, DateTime? SentAt);

    public sealed record RetryResult(int Retried);

    private static async Task<Ok<List<IssueSummary>>> List(DigestService digests, long? before, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok((await digests.ListAsync(before, limit ?? 50, cancellationToken)).Select(i => Summary(i, null)).ToList());

    private static async Task<Results<Ok<IssueSummary>, NotFound>> Get(long id, DigestService digests, CancellationToken cancellationToken)
    {
        var issue = await digests.FindAsync(id, cancellationToken);
        return issue is null ? TypedResults.NotFound() : TypedResults.Ok(Summary(issue, await digests.ProgressAsync(id, cancellationToken)));
    }

    private static async Task<Results<Created<IssueSummary>, ValidationProblem, ProblemHttpResult>> Plan(FrequencyRequest request, DigestService digests, CancellationToken cancellationToken)
    {
        if (!TryFrequency(request.Frequency, out var frequency, out var errors)) return TypedResults.ValidationProblem(errors);
        var issue = await digests.PlanAsync(frequency, cancellationToken);
        return issue is null ? NothingNew(frequency) : TypedResults.Created($"/api/admin/digests/{issue.Id}", Summary(issue, null));
    }

    private static async Task<Results<Accepted<IssueSummary>, ValidationProblem, ProblemHttpResult>> SendNow(FrequencyRequest request, DigestService digests, CancellationToken cancellationToken)
    {
        if (!TryFrequency(request.Frequency, out var frequency, out var errors)) return TypedResults.ValidationProblem(errors);
        var issue = await digests.SendNowAsync(frequency, cancellationToken);
        return issue is null ? NothingNew(frequency) : TypedResults.Accepted($"/api/admin/digests/{issue.Id}", Summary(issue, await digests.ProgressAsync(issue.Id, cancellationToken)));
    }

    private static async Task<Results<Accepted, NotFound, ProblemHttpResult>> Send(long id, DigestService digests, CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        return await digests.StartAsync(id, cancellationToken)
            ? TypedResults.Accepted($"/api/admin/digests/{id}")
            : TypedResults.Problem(statusCode: 409, title: "Already sending", detail: "This issue is already sending or sent.");
    }

    private static async Task<Results<Accepted, NotFound, ValidationProblem, ProblemHttpResult>> SendTest(long id, TestRequest request, DigestService digests, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(request.Email, out var address, out var error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error] });
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        try
        {
            var result = await digests.SendTestAsync(id, address, cancellationToken);
            return result.IsAccepted
                ? TypedResults.Accepted((string?)null)
                : TypedResults.Problem(statusCode: 502, title: "The test copy was not sent", detail: result.Detail);
        }
        catch (EmailTransportException e)
        {
            return TypedResults.Problem(statusCode: 502, title: "The test copy was not sent", detail: e.Message);
        }
    }

    private static async Task<Results<ContentHttpResult, NotFound>> Preview(long id, long subscriberId, DigestService digests, CancellationToken cancellationToken)
    {
        var html = await digests.PreviewAsync(id, subscriberId, cancellationToken);
        return html is null ? TypedResults.NotFound() : TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static async Task<Results<Ok<RetryResult>, NotFound>> RetryFailed(long id, DigestService digests, CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        return TypedResults.Ok(new RetryResult(await digests.RetryFailedAsync(id, cancellationToken)));
    }

    private static async Task<Results<Ok<ResendResult>, NotFound>> ResendUnknown(long id, DigestService digests, CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        var resent = await digests.ResendUnknownAsync(id, cancellationToken);
        return TypedResults.Ok(new ResendResult(resent, "The server may already have had some of these messages: those readers may get a second copy."));
    }

    private static async Task<Results<Accepted, NotFound, ProblemHttpResult>> Pause(long id, DigestService digests, CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        return await digests.PauseAsync(id, cancellationToken)
            ? TypedResults.Accepted($"/api/admin/digests/{id}")
            : TypedResults.Problem(statusCode: 409, title: "Not sending", detail: "Only a sending issue can be paused.");
    }

    private static async Task<Results<Ok<CancelResponse>, NotFound, ProblemHttpResult>> Cancel(long id, DigestService digests, CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        var result = await digests.CancelAsync(id, cancellationToken);
        return result.Cancelled
            ? TypedResults.Ok(new CancelResponse(result.Skipped))
            : TypedResults.Problem(statusCode: 409, title: "Not cancelled", detail: result.Refusal);
    }

    private static async Task<Results<Accepted, NotFound, ProblemHttpResult>> Resume(long id, DigestService digests, CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        return await digests.ResumeAsync(id, cancellationToken)
            ? TypedResults.Accepted($"/api/admin/digests/{id}")
            : TypedResults.Problem(statusCode: 409, title: "Not paused", detail: "Only a paused issue can be resumed.");
    }

    private static async Task<Results<Ok<List<DeliveryItem>>, NotFound, ValidationProblem>> Deliveries(long id, string? state, long? after, int? limit,
        DigestService digests, CancellationToken cancellationToken)
    {
        if (!EnumNames.TryParse<DeliveryState>(state, out var wanted))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["state"] = ["State is required: " + string.Join(", ", Enum.GetNames<DeliveryState>().Select(n => n.ToLowerInvariant())) + "."],
            });
        if (await digests.FindAsync(id, cancellationToken) is null) return TypedResults.NotFound();
        var rows = await digests.DeliveriesAsync(id, wanted, after, limit ?? 100, cancellationToken);
        return TypedResults.Ok(rows.Select(r => new DeliveryItem(r.Id, r.SubscriberId, r.Email, r.State.ToString().ToLowerInvariant(), r.Attempts, r.SmtpStatus,
            r.Error, r.ClaimedAt, r.SentAt)).ToList());
    }

    private static bool TryFrequency(string? value, out DigestFrequency frequency, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (string.IsNullOrWhiteSpace(value)) errors["frequency"] = ["Frequency is required: daily or weekly."];
        frequency = SignupValidation.TryFrequency(value, errors);
        return errors.Count == 0;
    }

    private static ProblemHttpResult NothingNew(DigestFrequency frequency) =>
        TypedResults.Problem(statusCode: 409, title: "No new articles", detail: $"There are no new articles for a {frequency.ToString().ToLowerInvariant()} digest.");

    private static IssueSummary Summary(DigestIssue i, DeliveryCounts? progress) => new(i.Id, i.Frequency.ToString().ToLowerInvariant(), i.Subject,
        i.State.ToString().ToLowerInvariant(), i.PeriodStart, i.PeriodEnd, i.CreatedAt, i.StartedAt, i.FinishedAt, progress, i.PausedReason, i.PausedAt, i.PausedBy, i.CancelledBy);
}
