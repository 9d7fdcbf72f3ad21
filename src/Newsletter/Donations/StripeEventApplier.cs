using Microsoft.EntityFrameworkCore;
using Newsletter.Audit;
using Newsletter.Data;
using Stripe;
using Stripe.Checkout;

namespace Newsletter.Donations;

/// <summary>
/// Reads one stored Stripe event and turns it into ledger changes. Pure translation: which ids, amounts and states
/// the event carries. Sessions, invoices and subscriptions we did not start (no checkout id of ours in their
/// metadata) are ignored with a note; refunds and disputes are kept by payment intent either way.
/// </summary>
public sealed class StripeEventApplier(NewsletterDb db, DonationLedger ledger, AuditLog audit)
{
    /// <summary>The metadata key that carries our <see cref="DonationCheckout.PublicId"/> on sessions and subscriptions.</summary>
    public const string CheckoutIdKey = "checkout_id";

    public async Task<LedgerResult> ApplyAsync(StripeWebhookEvent stored, CancellationToken cancellationToken)
    {
        var stripeEvent = EventUtility.ParseEvent(stored.Payload, throwOnApiVersionMismatch: false);
        var at = stored.StripeCreatedAt;
        return (stripeEvent.Type, stripeEvent.Data?.Object) switch
        {
            (EventTypes.CheckoutSessionCompleted or EventTypes.CheckoutSessionAsyncPaymentSucceeded or EventTypes.CheckoutSessionAsyncPaymentFailed, Session session)
                => await SessionAsync(session, stripeEvent.Type, at, cancellationToken),
            (EventTypes.InvoicePaid or EventTypes.InvoicePaymentFailed, Invoice invoice)
                => await InvoiceAsync(invoice, stripeEvent.Type == EventTypes.InvoicePaid, at, cancellationToken),
            (EventTypes.CustomerSubscriptionUpdated or EventTypes.CustomerSubscriptionDeleted, Subscription subscription)
                => await SubscriptionAsync(subscription, stripeEvent.Type == EventTypes.CustomerSubscriptionDeleted, at, cancellationToken),
            (EventTypes.ChargeRefunded, Charge charge) => charge.PaymentIntentId is { } intent
                ? await SeenAsync(AuditActions.RefundSeen, intent, $"{charge.AmountRefunded} {charge.Currency} refunded in all ({stored.EventId})",
                    await ledger.RecordPaymentFactsAsync(intent, charge.AmountRefunded, DisputeState.None, cancellationToken), cancellationToken)
                : LedgerResult.Ignored("The charge has no payment intent."),
            (EventTypes.ChargeDisputeCreated or EventTypes.ChargeDisputeClosed, Dispute dispute) => dispute.PaymentIntentId is { } intent
                ? await SeenAsync(AuditActions.DisputeSeen, intent, $"dispute {DisputeOf(stripeEvent.Type, dispute.Status)} ({stored.EventId})",
                    await ledger.RecordPaymentFactsAsync(intent, 0, DisputeOf(stripeEvent.Type, dispute.Status), cancellationToken), cancellationToken)
                : LedgerResult.Ignored("The dispute has no payment intent."),
            _ => LedgerResult.Ignored($"Event type {stripeEvent.Type} is not one we act on."),
        };
    }

    private async Task<LedgerResult> SessionAsync(Session session, string type, DateTime at, CancellationToken cancellationToken)
    {
        var checkout = await CheckoutAsync(session.Metadata, cancellationToken);
        if (checkout is null) return LedgerResult.Ignored($"Checkout session {session.Id} was not started by this service.");
        var outcome = session.PaymentStatus is "paid" or "no_payment_required" ? PaymentOutcome.Paid
            : type == EventTypes.CheckoutSessionAsyncPaymentFailed ? PaymentOutcome.Failed
            : PaymentOutcome.Pending;
        // A checkout whose donor was erased records the money only: Stripe's copy of the name and address is not taken back in.
        var erased = checkout.DonorErasedAt is not null;
        var donor = erased ? null : new Donor(checkout.DonorName ?? session.CustomerDetails?.Name, checkout.DonorEmail ?? session.CustomerDetails?.Email ?? session.CustomerEmail);
        var amount = session.AmountTotal ?? checkout.Amount;
        var currency = (session.Currency ?? checkout.Currency).ToLowerInvariant();
        long? planId = null;
        if (session.Mode == "subscription" && session.SubscriptionId is { } subscriptionId)
        {
            // The session and the subscription's first invoice are the same money: the donation is keyed by both ids.
            var plan = await ledger.RecordPlanAsync(new PlanChange(subscriptionId, amount, currency, checkout.Interval, at,
                outcome == PaymentOutcome.Paid ? RecurringPlanStatus.Active : null, Donor: donor, DonorErased: erased), cancellationToken);
            planId = plan.Id;
        }
        return await ledger.RecordStripePaymentAsync(new StripePayment(
            planId is null ? DonationKind.OneTime : DonationKind.Recurring, amount, currency, outcome, at,
            CheckoutSessionId: session.Id, PaymentIntentId: session.PaymentIntentId, InvoiceId: session.InvoiceId,
            RecurringPlanId: planId, Donor: donor, Message: checkout.Message, DonorErased: erased), cancellationToken);
    }

    private async Task<LedgerResult> InvoiceAsync(Invoice invoice, bool paid, DateTime at, CancellationToken cancellationToken)
    {
        // Since the 2025 "basil" API the subscription is under parent.subscription_details.
        var details = invoice.Parent?.SubscriptionDetails;
        if (details?.SubscriptionId is not { } subscriptionId) return LedgerResult.Ignored($"Invoice {invoice.Id} is not for a subscription.");
        var checkout = await CheckoutAsync(details.Metadata, cancellationToken);
        var known = await db.Set<RecurringPlan>().AnyAsync(p => p.StripeSubscriptionId == subscriptionId, cancellationToken);
        if (checkout is null && !known) return LedgerResult.Ignored($"Invoice {invoice.Id} belongs to subscription {subscriptionId}, which this service did not start.");
        // The plan's own erasure marker is the ledger's to check; the checkout's is checked here.
        var erased = checkout?.DonorErasedAt is not null;
        var donor = erased ? null : new Donor(checkout?.DonorName ?? invoice.CustomerName, checkout?.DonorEmail ?? invoice.CustomerEmail);
        var amount = paid ? invoice.AmountPaid : invoice.AmountDue;
        var currency = invoice.Currency?.ToLowerInvariant() ?? throw new InvalidDataException($"Invoice {invoice.Id} has no currency.");
        var plan = await ledger.RecordPlanAsync(new PlanChange(subscriptionId, checkout?.Amount ?? amount, currency, checkout?.Interval ?? "month", at,
            paid ? RecurringPlanStatus.Active : null, Donor: donor, DonorErased: erased), cancellationToken);
        // The payment intent is only in the payload when Stripe includes the invoice's payments; refunds match on it.
        var intent = invoice.Payments?.Data?.Select(p => p.Payment?.PaymentIntentId).FirstOrDefault(id => id is not null);
        return await ledger.RecordStripePaymentAsync(new StripePayment(
            DonationKind.Recurring, amount, currency, paid ? PaymentOutcome.Paid : PaymentOutcome.Failed, at,
            InvoiceId: invoice.Id, PaymentIntentId: intent, RecurringPlanId: plan.Id, Donor: donor, Message: erased ? null : checkout?.Message, DonorErased: erased), cancellationToken);
    }

    private async Task<LedgerResult> SubscriptionAsync(Subscription subscription, bool deleted, DateTime at, CancellationToken cancellationToken)
    {
        var checkout = await CheckoutAsync(subscription.Metadata, cancellationToken);
        var known = await db.Set<RecurringPlan>().AnyAsync(p => p.StripeSubscriptionId == subscription.Id, cancellationToken);
        if (checkout is null && !known) return LedgerResult.Ignored($"Subscription {subscription.Id} was not started by this service.");
        var price = subscription.Items?.Data?.FirstOrDefault()?.Price;
        var status = deleted ? RecurringPlanStatus.Cancelled : subscription.Status switch
        {
            "active" or "trialing" => RecurringPlanStatus.Active,
            "past_due" or "unpaid" or "paused" => RecurringPlanStatus.PastDue,
            "canceled" or "incomplete_expired" => RecurringPlanStatus.Cancelled,
            _ => RecurringPlanStatus.Incomplete,
        };
        await ledger.RecordPlanAsync(new PlanChange(subscription.Id, price?.UnitAmount ?? checkout?.Amount ?? 0,
            (subscription.Currency ?? checkout?.Currency ?? "usd").ToLowerInvariant(), price?.Recurring?.Interval ?? checkout?.Interval ?? "month", at,
            status, subscription.CanceledAt ?? subscription.EndedAt,
            checkout is null || checkout.DonorErasedAt is not null ? null : new Donor(checkout.DonorName, checkout.DonorEmail),
            DonorErased: checkout?.DonorErasedAt is not null), cancellationToken);
        return new LedgerResult(true);
    }

    /// <summary>Money going back is worth a line in the audit log, with Stripe as the actor (a retried event adds another).</summary>
    private async Task<LedgerResult> SeenAsync(string action, string paymentIntentId, string detail, LedgerResult result, CancellationToken cancellationToken)
    {
        audit.ActAs("stripe");
        await audit.RecordAsync(action, paymentIntentId, detail, cancellationToken);
        return result;
    }

    private async Task<DonationCheckout?> CheckoutAsync(IDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        if (metadata is null || !metadata.TryGetValue(CheckoutIdKey, out var value) || !Guid.TryParse(value, out var publicId)) return null;
        return await db.Set<DonationCheckout>().AsNoTracking().SingleOrDefaultAsync(c => c.PublicId == publicId, cancellationToken);
    }

    private static DisputeState DisputeOf(string type, string? status) => type == EventTypes.ChargeDisputeCreated
        ? DisputeState.Open
        : status == "lost" ? DisputeState.Lost : DisputeState.Won;
}
