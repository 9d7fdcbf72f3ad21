using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Donations;

/// <summary>
/// Staff's side of payments started outside the service: the list, Adopt (it is a donation: its stored events are
/// applied again and record it, refunds and disputes included) and Dismiss (it is not: hidden).
/// </summary>
public sealed partial class UnmatchedPayments(NewsletterDb db, IgnoredEventRequeue requeue, ForeignSessions foreign, IBackgroundJobClient jobs, TimeProvider clock,
    ILogger<UnmatchedPayments> logger)
{
    /// <summary>Payments waiting for a decision, newest first.</summary>
    public async Task<IReadOnlyList<UnmatchedStripePayment>> ListAsync(UnmatchedState state, int limit, CancellationToken cancellationToken) =>
        await db.Set<UnmatchedStripePayment>().AsNoTracking().Where(u => u.State == state)
            .OrderByDescending(u => u.StripeCreatedAt).ThenByDescending(u => u.Id).Take(Math.Clamp(limit, 1, 500)).ToListAsync(cancellationToken);

    /// <summary>Adopts an unmatched payment; false when there is no such payment waiting.</summary>
    public async Task<bool> AdoptAsync(long id, string staff, CancellationToken cancellationToken)
    {
        var sessionId = await DecideAsync(id, UnmatchedState.Adopted, staff, cancellationToken);
        if (sessionId is null) return false;
        var requeued = await requeue.RequeueAsync(sessionId, IgnoredEventRequeue.SessionTypes, cancellationToken);
        LogAdopted(logger, sessionId, staff, requeued);
        // None requeued: its event is still being applied (the job's recheck after its batch finds the adoption), or
        // it is gone, deleted after the retention. Then the row holds what the books need.
        if (requeued == 0 && !await requeue.Naming(sessionId, IgnoredEventRequeue.SessionTypes).AnyAsync(cancellationToken))
        {
            var row = await db.Set<UnmatchedStripePayment>().AsNoTracking().SingleAsync(u => u.Id == id, cancellationToken);
            var result = await foreign.ApplyAdoptedAsync(row, cancellationToken);
            if (result.ReceiptEmailId is { } emailId) jobs.Enqueue<TransactionalEmailJob>(job => job.SendAsync(emailId, CancellationToken.None));
            LogAdoptedFromRow(logger, sessionId);
        }
        return true;
    }

    /// <summary>Hides an unmatched payment; false when there is no such payment waiting.</summary>
    public async Task<bool> DismissAsync(long id, string staff, CancellationToken cancellationToken) =>
        await DecideAsync(id, UnmatchedState.Dismissed, staff, cancellationToken) is not null;

    /// <summary>One conditional update: only a payment still Unmatched can be decided, so two clicks decide once.</summary>
    private async Task<string?> DecideAsync(long id, UnmatchedState state, string staff, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var decided = await db.Set<UnmatchedStripePayment>().Where(u => u.Id == id && u.State == UnmatchedState.Unmatched)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, state).SetProperty(u => u.DecidedAt, now)
                .SetProperty(u => u.DecidedBy, staff.Length > 200 ? staff[..200] : staff).SetProperty(u => u.Version, u => u.Version + 1), cancellationToken);
        if (decided == 0) return null;
        return await db.Set<UnmatchedStripePayment>().Where(u => u.Id == id).Select(u => u.CheckoutSessionId).SingleAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 4060, EventName = "UnmatchedPaymentAdopted", Level = LogLevel.Information,
        Message = "Checkout session {SessionId} adopted as a donation by {Staff}; {Events} stored event(s) applied again")]
    private static partial void LogAdopted(ILogger logger, string sessionId, string staff, int events);

    [LoggerMessage(EventId = 4061, EventName = "UnmatchedPaymentAdoptedFromRow", Level = LogLevel.Information,
        Message = "Checkout session {SessionId}: no stored event is left (past the retention); recorded from the unmatched payment's own row")]
    private static partial void LogAdoptedFromRow(ILogger logger, string sessionId);
}
