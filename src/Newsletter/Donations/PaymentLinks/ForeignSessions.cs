using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Stripe.Checkout;

namespace Newsletter.Donations;

/// <summary>
/// Checkout sessions this service did not start. A session from a Payment Link listed in Donations:PaymentLinks,
/// any session when Donations:StripeAccountIsDonationsOnly is true, or one staff adopted is recorded like our own
/// (donor from Stripe's customer details). Any other is kept in <see cref="UnmatchedStripePayment"/> for staff.
/// </summary>
public sealed class ForeignSessions(NewsletterDb db, DonationLedger ledger, IgnoredEventRequeue requeue, IOptions<DonationOptions> options)
{
    private const int MaxConflicts = 5;

    /// <summary>Every payment on the account is a donation.</summary>
    public bool TakesEverything => options.Value.StripeAccountIsDonationsOnly;

    public async Task<LedgerResult> ApplyAsync(Session session, string type, DateTime at, CancellationToken cancellationToken)
    {
        var listed = session.PaymentLinkId is { } link && options.Value.PaymentLinks.Contains(link, StringComparer.Ordinal);
        var adopted = !listed && !TakesEverything
            && await db.Set<UnmatchedStripePayment>().AnyAsync(u => u.CheckoutSessionId == session.Id && u.State == UnmatchedState.Adopted, cancellationToken);
        if (!listed && !TakesEverything && !adopted)
        {
            await RememberAsync(session, type, at, cancellationToken);
            return new LedgerResult(false, $"Checkout session {session.Id} was not started by this service; it is listed under unmatched payments.",
                WaitsForSession: session.Id);
        }
        var outcome = StripeEventApplier.OutcomeOf(session, type);
        var donor = new Donor(session.CustomerDetails?.Name, session.CustomerDetails?.Email ?? session.CustomerEmail);
        if (adopted && donor.Email is null)
        {
            // A stored event is cut to ids and amounts once handled (privacy): the payer waited in the unmatched row.
            var payer = await db.Set<UnmatchedStripePayment>().AsNoTracking().Where(u => u.CheckoutSessionId == session.Id)
                .Select(u => new { u.PayerName, u.PayerEmail }).SingleAsync(cancellationToken);
            donor = new Donor(donor.Name ?? payer.PayerName, payer.PayerEmail);
        }
        var amount = session.AmountTotal ?? 0;
        var currency = session.Currency?.ToLowerInvariant() ?? throw new InvalidDataException($"Checkout session {session.Id} has no currency.");
        long? planId = null;
        if (session.Mode == "subscription" && session.SubscriptionId is { } subscriptionId)
        {
            // A session does not name its price's interval: monthly until the subscription's own event (created or
            // updated, which carry the price) says otherwise, as a yearly Payment Link's does.
            var plan = await ledger.RecordPlanAsync(new PlanChange(subscriptionId, amount, currency, "month", at,
                outcome == PaymentOutcome.Paid ? RecurringPlanStatus.Active : null, Donor: donor, CustomerId: session.CustomerId), cancellationToken);
            planId = plan.Id;
        }
        var result = await ledger.RecordStripePaymentAsync(new StripePayment(
            planId is null ? DonationKind.OneTime : DonationKind.Recurring, amount, currency, outcome, at,
            CheckoutSessionId: session.Id, PaymentIntentId: session.PaymentIntentId, InvoiceId: session.InvoiceId,
            RecurringPlanId: planId, Donor: donor, CustomerId: session.CustomerId), cancellationToken);
        // Invoices and subscription updates that came before this session were ignored (not ours yet): now they are.
        if (session.SubscriptionId is { } subscription) await requeue.RequeueAsync(subscription, IgnoredEventRequeue.SubscriptionTypes, cancellationToken);
        return result;
    }

    /// <summary>
    /// An adopted payment whose stored events are gone (deleted after Donations:WebhookEventRetention): recorded from
    /// what its unmatched row kept, as its session event would have recorded it.
    /// </summary>
    public Task<LedgerResult> ApplyAdoptedAsync(UnmatchedStripePayment row, CancellationToken cancellationToken)
    {
        var session = new Session
        {
            Id = row.CheckoutSessionId, Mode = row.Mode, AmountTotal = row.Amount, Currency = row.Currency,
            PaymentIntentId = row.PaymentIntentId, SubscriptionId = row.SubscriptionId, PaymentLinkId = row.PaymentLinkId,
            PaymentStatus = row.Outcome == PaymentOutcome.Paid ? "paid" : "unpaid",
            CustomerDetails = new SessionCustomerDetails { Name = row.PayerName, Email = row.PayerEmail },
        };
        var type = row.Outcome == PaymentOutcome.Failed ? Stripe.EventTypes.CheckoutSessionAsyncPaymentFailed : Stripe.EventTypes.CheckoutSessionCompleted;
        return ApplyAsync(session, type, row.StripeCreatedAt, cancellationToken);
    }

    /// <summary>Adds the session to the unmatched list, or moves what we know of it forward.</summary>
    private async Task RememberAsync(Session session, string type, DateTime at, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var row = await db.Set<UnmatchedStripePayment>().SingleOrDefaultAsync(u => u.CheckoutSessionId == session.Id, cancellationToken);
                if (row is null)
                {
                    row = new UnmatchedStripePayment
                    {
                        CheckoutSessionId = session.Id, Mode = session.Mode ?? "payment", Currency = session.Currency?.ToLowerInvariant() ?? "usd", StripeCreatedAt = at,
                    };
                    db.Add(row);
                }
                var payer = new Donor(session.CustomerDetails?.Name, session.CustomerDetails?.Email ?? session.CustomerEmail);
                row.PaymentLinkId ??= session.PaymentLinkId;
                row.PaymentIntentId ??= session.PaymentIntentId;
                row.SubscriptionId ??= session.SubscriptionId;
                row.Amount = Math.Max(row.Amount, session.AmountTotal ?? 0);
                row.PayerName ??= payer.Name;
                if (row.PayerEmail is null && payer.ParsedEmail is { } email) (row.PayerEmail, row.PayerEmailKey) = (email.Address, email.Key);
                var outcome = StripeEventApplier.OutcomeOf(session, type);
                if (outcome > row.Outcome) row.Outcome = outcome;
                if (at < row.StripeCreatedAt) row.StripeCreatedAt = at;
                row.Version++;
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt < MaxConflicts)
            {
                // Two events of one session at once: the unique index lets one insert; the other merges into it.
                db.ChangeTracker.Clear();
            }
        }
    }
}
