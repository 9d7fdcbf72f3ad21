using Hangfire;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>
/// Gives stored events that were ignored a second chance once what they are about became ours: a Payment Link's
/// subscription recorded after its first invoice arrived, or a payment staff adopted. They go back to Received and
/// are applied again; applying is idempotent, so an event requeued twice changes nothing more.
/// </summary>
public sealed class IgnoredEventRequeue(NewsletterDb db, IBackgroundJobClient jobs)
{
    /// <summary>Event types that can be about a subscription.</summary>
    public static readonly string[] SubscriptionTypes =
        ["invoice.paid", "invoice.payment_failed", "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted", SubscriptionChanges.Paused, SubscriptionChanges.Resumed];

    /// <summary>Event types that can be about a checkout session.</summary>
    public static readonly string[] SessionTypes =
        ["checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed"];

    /// <summary>Requeues ignored events of <paramref name="types"/> whose payload names <paramref name="stripeId"/>; returns how many.</summary>
    public async Task<int> RequeueAsync(string stripeId, string[] types, CancellationToken cancellationToken)
    {
        var ids = await Naming(stripeId, types).Where(e => e.State == StripeEventState.Ignored)
            .Select(e => e.Id).Take(1000).ToArrayAsync(cancellationToken);
        return await RequeueAsync(ids, cancellationToken);
    }

    /// <summary>Stored events of <paramref name="types"/>, in any state, whose payload names <paramref name="stripeId"/> (as a JSON string).</summary>
    public IQueryable<StripeWebhookEvent> Naming(string stripeId, string[] types)
    {
        var quoted = "\"" + stripeId + "\"";
        return db.Set<StripeWebhookEvent>().AsNoTracking().Where(e => types.Contains(e.Type) && e.Payload.Contains(quoted));
    }

    /// <summary>Requeues these ignored events (those still Ignored) and starts a job for them.</summary>
    public async Task<int> RequeueAsync(long[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length == 0) return 0;
        var reset = await db.Set<StripeWebhookEvent>().Where(e => ids.Contains(e.Id) && e.State == StripeEventState.Ignored)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, StripeEventState.Received)
                .SetProperty(e => e.Attempts, 0)
                .SetProperty(e => e.NextAttemptAt, (DateTime?)null), cancellationToken);
        if (reset > 0) jobs.Enqueue<StripeEventJob>(job => job.ProcessManyAsync(ids, CancellationToken.None));
        return reset;
    }

    /// <summary>
    /// After the job recorded events as ignored because their subscription or session was not ours: if it is ours now
    /// (the subscription's session was recorded meanwhile, or staff adopted the session), apply them again. With the
    /// requeue the session or the adoption does, neither order loses one.
    /// Then clears the due time <paramref name="recheckDue"/> the job gave them (<see cref="StripeEventJob"/>): the check
    /// is done, and the sweep leaves them alone. A later run of the same event sets a later due time, which stays.
    /// </summary>
    public async Task RecheckAsync(IReadOnlyList<(long EventId, LedgerResult Result)> waiting, DateTime recheckDue, CancellationToken cancellationToken)
    {
        if (waiting.Count == 0) return;
        var subscriptions = waiting.Select(w => w.Result.WaitsForSubscription).OfType<string>().Distinct().ToList();
        var sessions = waiting.Select(w => w.Result.WaitsForSession).OfType<string>().Distinct().ToList();
        var ours = (await db.Set<RecurringPlan>().AsNoTracking().Where(p => subscriptions.Contains(p.StripeSubscriptionId))
            .Select(p => p.StripeSubscriptionId).ToListAsync(cancellationToken)).ToHashSet();
        ours.UnionWith(await db.Set<UnmatchedStripePayment>().AsNoTracking().Where(u => sessions.Contains(u.CheckoutSessionId) && u.State == UnmatchedState.Adopted)
            .Select(u => u.CheckoutSessionId).ToListAsync(cancellationToken));
        await RequeueAsync(waiting.Where(w => ours.Contains(w.Result.WaitsForSubscription ?? w.Result.WaitsForSession!)).Select(w => w.EventId).ToArray(), cancellationToken);
        var ids = waiting.Select(w => w.EventId).ToArray();
        await db.Set<StripeWebhookEvent>().Where(e => ids.Contains(e.Id) && e.State == StripeEventState.Ignored && e.NextAttemptAt <= recheckDue)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.NextAttemptAt, (DateTime?)null), cancellationToken);
    }
}
