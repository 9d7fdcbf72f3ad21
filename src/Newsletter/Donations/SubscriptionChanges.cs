using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// Subscription events (created, updated, deleted, paused, resumed): what donors change in the Billing Portal (amount, card,
/// cancel) and what Stripe decides (past due, paused). The amount is the subscription's items (price × quantity).
/// </summary>
public sealed class SubscriptionChanges(NewsletterDb db, DonationLedger ledger, IOptions<DonationOptions> options)
{
    public const string Paused = "customer.subscription.paused";
    public const string Resumed = "customer.subscription.resumed";

    public async Task<LedgerResult> ApplyAsync(Subscription subscription, string type, DateTime at, CancellationToken cancellationToken)
    {
        var checkout = await StripeEventApplier.CheckoutAsync(db, subscription.Metadata, cancellationToken);
        var known = await db.Set<RecurringPlan>().AnyAsync(p => p.StripeSubscriptionId == subscription.Id, cancellationToken);
        if (checkout is null && !known && !options.Value.StripeAccountIsDonationsOnly)
            return new LedgerResult(false, $"Subscription {subscription.Id} was not started by this service.", WaitsForSubscription: subscription.Id);
        var items = subscription.Items?.Data ?? [];
        var price = items.FirstOrDefault()?.Price;
        var amount = items.Sum(i => (i.Price?.UnitAmount ?? 0) * Math.Max(i.Quantity, 1));
        var status = type == EventTypes.CustomerSubscriptionDeleted ? RecurringPlanStatus.Cancelled : StatusOf(subscription, type);
        await ledger.RecordPlanAsync(new PlanChange(subscription.Id, amount > 0 ? amount : checkout?.Amount + checkout?.CoveredFee ?? 0,
            (subscription.Currency ?? checkout?.Currency ?? "usd").ToLowerInvariant(), price?.Recurring?.Interval ?? checkout?.Interval ?? "month", at,
            status, subscription.CanceledAt ?? subscription.EndedAt,
            // An erased donor's checkout gives no name or address back (the ledger also checks the plan's own marker).
            checkout is null || checkout.DonorErasedAt is not null ? null : new Donor(checkout.DonorName, checkout.DonorEmail),
            FromItems: amount > 0, CustomerId: subscription.CustomerId, CampaignId: checkout?.CampaignId, DonorErased: checkout?.DonorErasedAt is not null,
            IntervalCount: IntervalCountOf(price)), cancellationToken);
        return new LedgerResult(true);
    }

    /// <summary>Stripe's <c>interval_count</c> (3 with "month" is quarterly); 1 when the price does not say. Stripe allows up to three years.</summary>
    public static int IntervalCountOf(Price? price) => (int)Math.Clamp(price?.Recurring?.IntervalCount ?? 1, 1, 1095);

    /// <summary>Stripe's status in our words; collection paused from the portal counts as paused.</summary>
    public static RecurringPlanStatus StatusOf(Subscription subscription, string type) => subscription.Status switch
    {
        "canceled" or "incomplete_expired" => RecurringPlanStatus.Cancelled,
        "paused" => RecurringPlanStatus.Paused,
        _ when type == Paused || subscription.PauseCollection is not null => RecurringPlanStatus.Paused,
        "active" or "trialing" => RecurringPlanStatus.Active,
        "past_due" or "unpaid" => RecurringPlanStatus.PastDue,
        _ => RecurringPlanStatus.Incomplete,
    };
}
