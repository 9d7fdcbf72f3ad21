using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// Cancels at Stripe the monthly plans of donors who were erased: someone who asked to be forgotten is not charged
/// again by a plan whose receipts we could no longer even address. The table says what is left to do (erased, not
/// cancelled, not yet requested), so the job runs after each erasure, every few minutes and at start-up, and a
/// request Stripe refused is tried again. Stripe answers with the cancelled subscription, which the ledger records;
/// the customer.subscription.deleted webhook that follows changes nothing more. The idempotency key is the plan's,
/// so a retried request cancels once. Without Stripe keys nothing is called and the dashboard shows the plans.
/// </summary>
public sealed partial class ErasedPlanCancellation(
    NewsletterDb db, IStripeClient client, DonationLedger ledger, IOptions<StripeOptions> stripe, TimeProvider clock, ILogger<ErasedPlanCancellation> logger)
{
    public const string JobId = "erased-plan-cancellation";

    /// <summary>What Stripe's dashboard shows as the reason (no personal data).</summary>
    public const string Comment = "The donor asked to be erased (GDPR art. 17).";

    private const int Batch = 100;

    /// <summary>The plans still to cancel: erased, not cancelled, not yet accepted by Stripe.</summary>
    public IQueryable<RecurringPlan> Pending() =>
        db.Set<RecurringPlan>().Where(p => p.DonorErasedAt != null && p.Status != RecurringPlanStatus.Cancelled && p.CancelRequestedAt == null);

    [AutomaticRetry(Attempts = 0)]
    [SkipWhenRunning]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!stripe.Value.IsConfigured) return;
        var plans = await Pending().AsNoTracking().OrderBy(p => p.Id).Take(Batch).ToListAsync(cancellationToken);
        var subscriptions = new SubscriptionService(client);
        foreach (var plan in plans)
        {
            try
            {
                var cancelled = await subscriptions.CancelAsync(plan.StripeSubscriptionId,
                    new SubscriptionCancelOptions { CancellationDetails = new SubscriptionCancellationDetailsOptions { Comment = Comment } },
                    new RequestOptions { IdempotencyKey = IdempotencyKey(plan.Id) }, cancellationToken);
                await MarkRequestedAsync(plan.Id, null, cancellationToken);
                var at = clock.GetUtcNow().UtcDateTime;
                await ledger.RecordPlanAsync(new PlanChange(plan.StripeSubscriptionId, plan.Amount, plan.Currency, plan.Interval, at,
                    RecurringPlanStatus.Cancelled, cancelled.CanceledAt ?? at, IntervalCount: plan.IntervalCount), cancellationToken);
                LogCancelled(logger, plan.Id);
            }
            catch (StripeException e) when (e.StripeError?.Code == "resource_missing")
            {
                // Stripe no longer has it (deleted with its customer, or never charged): nothing left to stop.
                await MarkRequestedAsync(plan.Id, null, cancellationToken);
            }
            catch (Exception e) when (StripeErrors.IsStripeFailure(e, cancellationToken))
            {
                await db.Set<RecurringPlan>().Where(p => p.Id == plan.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.CancelError, Jobs.ErrorText.Truncate($"{StripeErrors.CodeOf(e)}: {e.Message}")), cancellationToken);
                LogFailed(logger, e, plan.Id);
            }
        }
    }

    /// <summary>Deterministic per plan: Stripe answers a repeated request with the first answer.</summary>
    public static string IdempotencyKey(long planId) => "erasure-cancel-plan-" + planId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Task MarkRequestedAsync(long planId, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<RecurringPlan>().Where(p => p.Id == planId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.CancelRequestedAt, now).SetProperty(p => p.CancelError, error), cancellationToken);
    }

    [LoggerMessage(EventId = 4040, EventName = "ErasedPlanCancelled", Level = LogLevel.Information, Message = "Recurring plan {PlanId} of an erased donor cancelled at Stripe")]
    private static partial void LogCancelled(ILogger logger, long planId);

    [LoggerMessage(EventId = 4041, EventName = "ErasedPlanCancelFailed", Level = LogLevel.Error, Message = "Stripe did not cancel recurring plan {PlanId} of an erased donor; trying again later")]
    private static partial void LogFailed(ILogger logger, Exception error, long planId);
}
