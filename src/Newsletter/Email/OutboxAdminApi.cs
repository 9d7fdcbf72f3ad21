using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Newsletter.Email;

/// <summary>Staff endpoints for the transactional outbox: emails by state, and sending a Failed or Unknown one again.</summary>
public static class OutboxAdminApi
{
    private const string SecondCopy = "The server may already have had it: the reader may get a second copy.";

    public static IEndpointRouteBuilder MapOutboxAdminApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/admin/outbox").WithTags("Staff: transactional email").RequireAuthorization(ApiKeys.ApiScopes.AdminPolicy);
        api.MapGet("/", List).WithSummary("Transactional emails in one state (pending, sending, sent, failed, unknown, skipped), newest first; keyset by 'before'.");
        api.MapPost("/{id:long}/send-again", SendOneAgain)
            .WithSummary("Send one Failed or Unknown email again. An Unknown one may already be in the inbox: the reader may get a second copy.");
        api.MapPost("/send-again", SendAllAgain)
            .WithSummary("Send every email in a state (failed or unknown) again. Unknown ones may already be in the inbox: those readers may get a second copy.");
        return routes;
    }

    public sealed record OutboxItem(long Id, string Kind, string Recipient, string State, int Attempts, int? SmtpStatus, string? Error, DateTime CreatedAt,
        DateTime? NextAttemptAt, DateTime? SentAt);

    public sealed record SendAgainResult(int SentAgain, string? Warning);

    private static async Task<Results<Ok<List<OutboxItem>>, ValidationProblem>> List(string? state, long? before, int? limit, TransactionalOutbox outbox,
        CancellationToken cancellationToken)
    {
        if (!TryState(state, out var wanted, out var problem)) return problem;
        var rows = await outbox.ListAsync(wanted, before, limit ?? 100, cancellationToken);
        return TypedResults.Ok(rows.Select(Item).ToList());
    }

    private static async Task<Results<Ok<SendAgainResult>, NotFound, ProblemHttpResult>> SendOneAgain(long id, TransactionalOutbox outbox, CancellationToken cancellationToken)
    {
        var email = await outbox.FindAsync(id, cancellationToken);
        if (email is null) return TypedResults.NotFound();
        if (!TransactionalOutbox.CanSendAgain(email.State))
            return TypedResults.Problem(statusCode: 409, title: "Not sent again",
                detail: $"This email is {Name(email.State)}: only a failed or unknown one is sent again.");
        // Between the read and the update another request may have sent it again already: then it is not doubled,
        // and this one is told so as if it had come second.
        var again = await outbox.SendAgainAsync(email.State, id, cancellationToken);
        if (again == 0)
            return TypedResults.Problem(statusCode: 409, title: "Not sent again", detail: "This email was sent again by another request a moment ago.");
        return TypedResults.Ok(new SendAgainResult(again, email.State == TransactionalEmailState.Unknown ? SecondCopy : null));
    }

    private static async Task<Results<Ok<SendAgainResult>, ValidationProblem>> SendAllAgain(string? state, TransactionalOutbox outbox, CancellationToken cancellationToken)
    {
        if (!TryState(state, out var wanted, out var problem) || !TransactionalOutbox.CanSendAgain(wanted))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["State must be failed or unknown."] });
        var again = await outbox.SendAgainAsync(wanted, null, cancellationToken);
        return TypedResults.Ok(new SendAgainResult(again, wanted == TransactionalEmailState.Unknown && again > 0 ? SecondCopy : null));
    }

    private static bool TryState(string? value, out TransactionalEmailState state, out ValidationProblem problem)
    {
        problem = TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["state"] = ["State is required: " + string.Join(", ", Enum.GetValues<TransactionalEmailState>().Select(Name)) + "."],
        });
        return Web.EnumNames.TryParse(value, out state);
    }

    private static string Name(TransactionalEmailState state) => state.ToString().ToLowerInvariant();

    private static OutboxItem Item(TransactionalEmail e) =>
        new(e.Id, e.Kind, e.Recipient, Name(e.State), e.Attempts, e.SmtpStatus, e.LastError, e.CreatedAt, e.NextAttemptAt, e.SentAt);
}
