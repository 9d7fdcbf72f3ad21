using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Audit;
using Newsletter.Data;
using Stripe;
using Stripe.Checkout;

namespace Newsletter.Donations;

/// <summary>
/// Reads one stored Stripe event and turns it into ledger changes. Pure translation: which ids, amounts and states
/// the event carries. Sessions started elsewhere go to <see cref="ForeignSessions"/> (Payment Links, adopted
/// payments, the unmatched list); invoices and subscriptions count once their plan is ours; refunds and disputes
/// are kept by payment intent either way.
/// </summary>
public sealed class StripeEventApplier(NewsletterDb db, DonationLedger ledger, ForeignSessions foreign, SubscriptionChanges subscriptions, InvoicePaymentLookup invoicePayments, AuditLog audit)
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
                => await InvoiceAsync(invoice, stored.Payload, stripeEvent.Type == EventTypes.InvoicePaid, at, cancellationToken),
            (EventTypes.CustomerSubscriptionCreated or EventTypes.CustomerSubscriptionUpdated or EventTypes.CustomerSubscriptionDeleted or SubscriptionChanges.Paused or SubscriptionChanges.Resumed, Subscription subscription)
                => await subscriptions.ApplyAsync(subscription, stripeEvent.Type, at, cancellationToken),
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

    /// <summary>"paid" (or nothing to pay) is Paid; a failed async payment is Failed; otherwise Pending.</summary>
    public static PaymentOutcome OutcomeOf(Session session, string type) =>
        session.PaymentStatus is "paid" or "no_payment_required" ? PaymentOutcome.Paid
        : type == EventTypes.CheckoutSessionAsyncPaymentFailed ? PaymentOutcome.Failed
        : PaymentOutcome.Pending;

    private async Task<LedgerResult> SessionAsync(Session session, string type, DateTime at, CancellationToken cancellationToken)
    {
        var checkout = await CheckoutAsync(db, session.Metadata, cancellationToken);
        if (checkout is null) return await foreign.ApplyAsync(session, type, at, cancellationToken);
        var outcome = OutcomeOf(session, type);
        // A checkout whose donor was erased records the money only: Stripe's copy of the name and address is not taken back in.
        var erased = checkout.DonorErasedAt is not null;
        var donor = erased ? null : new Donor(checkout.DonorName ?? session.CustomerDetails?.Name, checkout.DonorEmail ?? session.CustomerDetails?.Email ?? session.CustomerEmail);
        var amount = session.AmountTotal ?? checkout.Amount + checkout.CoveredFee;
        var currency = (session.Currency ?? checkout.Currency).ToLowerInvariant();
        long? planId = null;
        if (session.Mode == "subscription" && session.SubscriptionId is { } subscriptionId)
        {
            // The session and the subscription's first invoice are the same money: the donation is keyed by both ids.
            var plan = await ledger.RecordPlanAsync(new PlanChange(subscriptionId, amount, currency, checkout.Interval, at,
                outcome == PaymentOutcome.Paid ? RecurringPlanStatus.Active : null, Donor: donor, CustomerId: session.CustomerId, CampaignId: checkout.CampaignId,
                DonorErased: erased), cancellationToken);
            planId = plan.Id;
        }
        return await ledger.RecordStripePaymentAsync(new StripePayment(
            planId is null ? DonationKind.OneTime : DonationKind.Recurring, amount, currency, outcome, at,
            CheckoutSessionId: session.Id, PaymentIntentId: session.PaymentIntentId, InvoiceId: session.InvoiceId,
            RecurringPlanId: planId, Donor: donor, Message: erased ? null : checkout.Message, CustomerId: session.CustomerId, CampaignId: checkout.CampaignId,
            CoveredFee: CoveredFeeOf(checkout, amount), DonorErased: erased), cancellationToken);
    }

    private async Task<LedgerResult> InvoiceAsync(Invoice invoice, string payload, bool paid, DateTime at, CancellationToken cancellationToken)
    {
        var (subscriptionId, metadata) = SubscriptionOf(invoice, payload);
        if (subscriptionId is null) return LedgerResult.Ignored($"Invoice {invoice.Id} is not for a subscription.");
        var checkout = await CheckoutAsync(db, metadata, cancellationToken);
        var known = await db.Set<RecurringPlan>().AnyAsync(p => p.StripeSubscriptionId == subscriptionId, cancellationToken);
        if (checkout is null && !known && !foreign.TakesEverything)
            return new LedgerResult(false, $"Invoice {invoice.Id} belongs to subscription {subscriptionId}, which this service did not start.", WaitsForSubscription: subscriptionId);
        // The plan's own erasure marker is the ledger's to check; the checkout's is checked here.
        var erased = checkout?.DonorErasedAt is not null;
        var donor = erased ? null : new Donor(checkout?.DonorName ?? invoice.CustomerName, checkout?.DonorEmail ?? invoice.CustomerEmail);
        var amount = paid ? invoice.AmountPaid : invoice.AmountDue;
        var currency = invoice.Currency?.ToLowerInvariant() ?? throw new InvalidDataException($"Invoice {invoice.Id} has no currency.");
        // Which payment intent paid it, before anything is recorded: a refund or dispute of this monthly payment names
        // only the payment intent, and one that came first must be merged in the same write as the payment, or the
        // payment would be recorded Paid, and thanked, without it. The payload names it (basil's payments, or the older
        // payment_intent) or Stripe is asked; a failed call fails the event with nothing recorded, and it is retried.
        var intent = InvoicePaymentLookup.FromPayload(invoice, payload);
        if (intent is null && paid) intent = await invoicePayments.PaymentIntentOfAsync(invoice.Id, cancellationToken);
        var plan = await ledger.RecordPlanAsync(new PlanChange(subscriptionId, amount, currency, checkout?.Interval ?? "month", at,
            paid ? RecurringPlanStatus.Active : null, Donor: donor, CustomerId: invoice.CustomerId, CampaignId: checkout?.CampaignId, DonorErased: erased), cancellationToken);
        var payment = new StripePayment(DonationKind.Recurring, amount, currency, paid ? PaymentOutcome.Paid : PaymentOutcome.Failed, at,
            InvoiceId: invoice.Id, PaymentIntentId: intent, RecurringPlanId: plan.Id, Donor: donor,
            Message: erased ? null : checkout?.Message, CustomerId: invoice.CustomerId, CampaignId: checkout?.CampaignId ?? plan.CampaignId,
            CoveredFee: checkout is null ? 0 : CoveredFeeOf(checkout, amount), DonorErased: erased);
        return await ledger.RecordStripePaymentAsync(payment, cancellationToken);
    }

    /// <summary>
    /// The subscription an invoice is for and that subscription's metadata (our checkout id). Since the 2025 "basil"
    /// API they are under <c>parent.subscription_details</c>; a webhook endpoint keeps the API version it was created
    /// with, and older versions put them at the top: <c>subscription</c> (an id, or the object when expanded) and
    /// <c>subscription_details.metadata</c>. Stripe.net reads only the new shape, so the older one is read from the payload.
    /// </summary>
    public static (string? SubscriptionId, IDictionary<string, string>? Metadata) SubscriptionOf(Invoice invoice, string payload)
    {
        if (invoice.Parent?.SubscriptionDetails is { SubscriptionId: { } id } details) return (id, details.Metadata);
        using var json = JsonDocument.Parse(payload);
        if (!json.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("object", out var older)) return (null, null);
        var subscription = older.TryGetProperty("subscription", out var named) ? named.ValueKind switch
        {
            JsonValueKind.String => named.GetString(),
            JsonValueKind.Object when named.TryGetProperty("id", out var expanded) && expanded.ValueKind == JsonValueKind.String => expanded.GetString(),
            _ => null,
        } : null;
        if (string.IsNullOrEmpty(subscription)) return (null, null);
        Dictionary<string, string>? metadata = null;
        if (older.TryGetProperty("subscription_details", out var olderDetails) && olderDetails.ValueKind == JsonValueKind.Object
            && olderDetails.TryGetProperty("metadata", out var pairs) && pairs.ValueKind == JsonValueKind.Object)
            metadata = pairs.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return (subscription, metadata);
    }

    /// <summary>The fee the donor chose to cover, when the charged amount is the gift plus it (a new amount from the portal has none).</summary>
    public static long CoveredFeeOf(DonationCheckout checkout, long charged) =>
        checkout.CoveredFee > 0 && charged == checkout.Amount + checkout.CoveredFee ? checkout.CoveredFee : 0;

    /// <summary>Money going back is worth a line in the audit log, with Stripe as the actor (a retried event adds another).</summary>
    private async Task<LedgerResult> SeenAsync(string action, string paymentIntentId, string detail, LedgerResult result, CancellationToken cancellationToken)
    {
        audit.ActAs("stripe");
        await audit.RecordAsync(action, paymentIntentId, detail, cancellationToken);
        return result;
    }

    /// <summary>Our checkout named in a session's or subscription's metadata, if any.</summary>
    public static async Task<DonationCheckout?> CheckoutAsync(NewsletterDb db, IDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        if (metadata is null || !metadata.TryGetValue(CheckoutIdKey, out var value) || !Guid.TryParse(value, out var publicId)) return null;
        return await db.Set<DonationCheckout>().AsNoTracking().SingleOrDefaultAsync(c => c.PublicId == publicId, cancellationToken);
    }

    private static DisputeState DisputeOf(string type, string? status) => type == EventTypes.ChargeDisputeCreated
        ? DisputeState.Open
        : status == "lost" ? DisputeState.Lost : DisputeState.Won;
}
