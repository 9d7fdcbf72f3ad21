using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Data;

namespace Newsletter.Audit;

/// <summary>
/// Records staff actions in the audit log. Who and from where come from the current request (the staff login or the
/// API key, and the client address); outside a request the caller says who (<see cref="ActAs"/>: the CLI, Stripe).
/// Each entry is written in its own unit of work, so it never saves, or is lost with, the caller's pending changes.
/// </summary>
public sealed partial class AuditLog(IServiceScopeFactory scopes, IHttpContextAccessor http, TimeProvider clock, ILogger<AuditLog> logger)
{
    public const int MaxActorLength = 256;
    public const int MaxTargetLength = 256;
    public const int MaxDetailLength = 1000;

    private string? _actor;

    /// <summary>Who acts in this scope when there is no request: "cli", "stripe", "system".</summary>
    public void ActAs(string actor) => _actor = actor;

    /// <summary>Who is acting now: the explicit actor, else the request's user, else "anonymous" (in a request) or "system".</summary>
    public string Actor
    {
        get
        {
            if (_actor is not null) return _actor;
            var context = http.HttpContext;
            if (context is null) return "system";
            return context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";
        }
    }

    /// <summary>Appends one entry. A failure to write it is logged, not thrown: the action itself already happened.</summary>
    public async Task RecordAsync(string action, string? target = null, string? detail = null, CancellationToken cancellationToken = default)
    {
        var entry = new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Actor = Cut(Actor, MaxActorLength)!,
            Action = action,
            Target = Cut(target, MaxTargetLength),
            Detail = Cut(detail, MaxDetailLength),
            IpAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
        };
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
            db.Add(entry);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotRecorded(logger, e, action, entry.Actor);
        }
    }

    private static string? Cut(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    [LoggerMessage(EventId = 1500, EventName = "AuditNotRecorded", Level = LogLevel.Error, Message = "Could not write the audit entry {Action} by {Actor}")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string action, string actor);
}
