using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

/// <summary>
/// The only writer of Stripe money facts. Every change is a merge that only moves forward (outcome Pending, Failed,
/// Paid; refunded amount up; dispute None, Open, Won/Lost; the earliest paid time), so applying the same events in
/// any order, any number of times, ends in the same rows. The receipt is queued in the same transaction as the
/// first Paid, with the donation id as its once-key.
/// </summary>
public sealed partial class DonationLedger(NewsletterDb db, TimeProvider clock, ILogger<DonationLedger> logger)
{
    /// <summary>The <see cref="TransactionalEmail.Kind"/> of a donation receipt.</summary>
    public const string ReceiptKind = "donation.receipt";

    private const int MaxConflicts = 5;

    /// <summary>Records (or completes) the donation a checkout session or invoice describes.</summary>
    public Task<LedgerResult> RecordStripePaymentAsync(StripePayment payment, CancellationToken cancellationToken) =>
        WithRetryOnConflictAsync(token => db.InTransactionAsync(t => RecordOnceAsync(payment, t), token), cancellationToken);

    /// <summary>Records a refund total or dispute state for a payment intent, and applies it to its donation if known.</summary>
    public Task<LedgerResult> RecordPaymentFactsAsync(string paymentIntentId, long amountRefunded, DisputeState dispute, CancellationToken cancellationToken) =>
        WithRetryOnConflictAsync(token => db.InTransactionAsync(t => RecordFactsOnceAsync(paymentIntentId, amountRefunded, dispute, t), token), cancellationToken);

    /// <summary>Creates or updates a recurring plan; an older status never overwrites a newer one, and Cancelled is final.</summary>
    public Task<RecurringPlan> RecordPlanAsync(PlanChange change, CancellationToken cancellationToken) =>
        WithRetryOnConflictAsync(token => db.InTransactionAsync(t => RecordPlanOnceAsync(change, t), token), cancellationToken);

    private async Task<LedgerResult> RecordOnceAsync(StripePayment payment, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (payment.PaymentIntentId is not null) await LockPaymentIntentAsync(payment.PaymentIntentId, now, cancellationToken);
        var donations = db.Set<Donation>();
        Donation? donation = null;
        if (payment.InvoiceId is not null) donation = await donations.SingleOrDefaultAsync(d => d.StripeInvoiceId == payment.InvoiceId, cancellationToken);
        if (donation is null && payment.CheckoutSessionId is not null) donation = await donations.SingleOrDefaultAsync(d => d.StripeCheckoutSessionId == payment.CheckoutSessionId, cancellationToken);
        if (donation is null && payment.PaymentIntentId is not null) donation = await donations.SingleOrDefaultAsync(d => d.StripePaymentIntentId == payment.PaymentIntentId, cancellationToken);
        if (donation is null)
        {
            donation = new Donation { Source = "stripe", Currency = payment.Currency, CreatedAt = now };
            donations.Add(donation);
        }
        donation.StripeInvoiceId ??= payment.InvoiceId;
        donation.StripeCheckoutSessionId ??= payment.CheckoutSessionId;
        donation.StripePaymentIntentId ??= payment.PaymentIntentId;
        donation.RecurringPlanId ??= payment.RecurringPlanId;
        PaymentMerge.Apply(donation, payment);
        // An erased donor stays erased: the checkout or plan they gave through says so, and so does the donation.
        if (donation.DonorErasedAt is null && (payment.DonorErased || await PlanErasedAsync(donation.RecurringPlanId, cancellationToken)))
            donation.DonorErasedAt = now;
        if (donation.DonorErasedAt is null)
        {
            donation.Message ??= payment.Message;
            await FillDonorAsync(donation, payment.Donor, cancellationToken);
        }

        var wasPaid = donation.Outcome == PaymentOutcome.Paid;
        if (payment.Outcome > donation.Outcome) donation.Outcome = payment.Outcome;
        if (payment.Outcome == PaymentOutcome.Paid && (donation.PaidAt is null || payment.At < donation.PaidAt)) donation.PaidAt = payment.At;
        if (donation.StripePaymentIntentId is not null)
        {
            var facts = await db.Set<StripePaymentFacts>().AsNoTracking().SingleOrDefaultAsync(f => f.PaymentIntentId == donation.StripePaymentIntentId, cancellationToken);
            if (facts is not null) Merge(donation, facts.AmountRefunded, facts.Dispute);
        }
        Touch(donation, now);
        await db.SaveChangesAsync(cancellationToken);

        long? receiptId = null;
        if (!wasPaid && donation.Outcome == PaymentOutcome.Paid)
        {
            receiptId = await QueueReceiptAsync(donation, now, cancellationToken);
            LogPaid(logger, donation.Id, donation.Amount, donation.Currency);
        }
        return new LedgerResult(true, null, receiptId);
    }

    private async Task<LedgerResult> RecordFactsOnceAsync(string paymentIntentId, long amountRefunded, DisputeState dispute, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await LockPaymentIntentAsync(paymentIntentId, now, cancellationToken);
        var facts = await db.Set<StripePaymentFacts>().SingleAsync(f => f.PaymentIntentId == paymentIntentId, cancellationToken);
        facts.AmountRefunded = Math.Max(facts.AmountRefunded, amountRefunded);
        facts.Dispute = (DisputeState)Math.Max((int)facts.Dispute, (int)dispute);
        facts.UpdatedAt = now;
        facts.Version++;
        var donation = await db.Set<Donation>().SingleOrDefaultAsync(d => d.StripePaymentIntentId == paymentIntentId, cancellationToken);
        if (donation is not null)
        {
            Merge(donation, facts.AmountRefunded, facts.Dispute);
            Touch(donation, now);
        }
        await db.SaveChangesAsync(cancellationToken);
        return donation is null
            ? new LedgerResult(true, $"Kept for payment intent {paymentIntentId}; no donation has it yet.")
            : new LedgerResult(true);
    }

    /// <summary>
    /// Takes the payment intent's key row (its <see cref="StripePaymentFacts"/>, made here if missing) for the rest of
    /// the transaction. Both writers of one payment's money take it first: the event that records the donation and
    /// the refund or dispute that changes it. At READ COMMITTED (PostgreSQL, SQL Server) each would otherwise miss the
    /// other's uncommitted row, and a refund applied at the same moment as the payment would be lost for good. After
    /// the lock every read sees what the other committed. Two first inserts of the row collide on its unique index;
    /// the loser's transaction runs again and then waits on the lock like everyone else.
    /// </summary>
    private async Task LockPaymentIntentAsync(string paymentIntentId, DateTime now, CancellationToken cancellationToken)
    {
        var locked = await db.Set<StripePaymentFacts>().Where(f => f.PaymentIntentId == paymentIntentId)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Version, f => f.Version + 1), cancellationToken);
        if (locked > 0) return;
        db.Add(new StripePaymentFacts { PaymentIntentId = paymentIntentId, UpdatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<RecurringPlan> RecordPlanOnceAsync(PlanChange change, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var plan = await db.Set<RecurringPlan>().SingleOrDefaultAsync(p => p.StripeSubscriptionId == change.SubscriptionId, cancellationToken);
        if (plan is null)
        {
            plan = new RecurringPlan
            {
                StripeSubscriptionId = change.SubscriptionId, Amount = change.Amount, Currency = change.Currency, Interval = change.Interval,
                IntervalCount = change.IntervalCount,
                StartedAt = change.At, StatusAsOf = DateTime.MinValue, AmountAsOf = DateTime.MinValue,
            };
            db.Add(plan);
        }
        if (change.DonorErased && plan.DonorErasedAt is null) plan.DonorErasedAt = now;
        if (change.Donor is { } donor && plan.DonorErasedAt is null)
        {
            plan.DonorName ??= donor.Name;
            if (plan.DonorEmail is null && donor.ParsedEmail is { } email)
            {
                plan.DonorEmail = email.Address;
                plan.DonorEmailKey = email.Key;
                plan.SubscriberId ??= await SubscriberIdAsync(email.Key, cancellationToken);
            }
        }
        if (change.At < plan.StartedAt) plan.StartedAt = change.At;
        PlanStatusRule.Apply(plan, change);
        plan.UpdatedAt = now;
        plan.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return plan;
    }

    private async Task FillDonorAsync(Donation donation, Donor? donor, CancellationToken cancellationToken)
    {
        if (donor is null) return;
        donation.DonorName ??= donor.Name;
        if (donation.DonorEmail is null && donor.ParsedEmail is { } email)
        {
            donation.DonorEmail = email.Address;
            donation.DonorEmailKey = email.Key;
        }
        if (donation.SubscriberId is null && donation.DonorEmailKey is not null)
            donation.SubscriberId = await SubscriberIdAsync(donation.DonorEmailKey, cancellationToken);
    }

    private async Task<bool> PlanErasedAsync(long? planId, CancellationToken cancellationToken) =>
        planId is { } id && await db.Set<RecurringPlan>().AnyAsync(p => p.Id == id && p.DonorErasedAt != null, cancellationToken);

    private Task<long?> SubscriberIdAsync(string emailKey, CancellationToken cancellationToken) =>
        db.Set<Subscriber>().Where(s => s.EmailKey == emailKey).Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);

    private async Task<long?> QueueReceiptAsync(Donation donation, DateTime now, CancellationToken cancellationToken)
    {
        if (donation.DonorEmail is null) return null;
        var onceKey = donation.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (await db.Set<TransactionalEmail>().AnyAsync(e => e.Kind == ReceiptKind && e.OnceKey == onceKey, cancellationToken)) return null;
        var email = new TransactionalEmail { Kind = ReceiptKind, SubjectId = donation.Id, OnceKey = onceKey, Recipient = donation.DonorEmail, CreatedAt = now };
        db.Add(email);
        await db.SaveChangesAsync(cancellationToken);
        return email.Id;
    }

    private static void Merge(Donation donation, long amountRefunded, DisputeState dispute)
    {
        donation.AmountRefunded = Math.Max(donation.AmountRefunded, amountRefunded);
        donation.Dispute = (DisputeState)Math.Max((int)donation.Dispute, (int)dispute);
    }

    private static void Touch(Donation donation, DateTime now)
    {
        donation.Status = DeriveStatus(donation);
        donation.UpdatedAt = now;
        donation.Version++;
    }

    /// <summary>The status a donation's facts add up to. A dispute outranks a refund; a won dispute is forgotten.</summary>
    public static DonationStatus DeriveStatus(Donation donation) => donation.Outcome switch
    {
        PaymentOutcome.Pending => DonationStatus.Pending,
        PaymentOutcome.Failed => DonationStatus.Failed,
        _ when donation.Dispute is DisputeState.Open or DisputeState.Lost => DonationStatus.Disputed,
        _ when donation.AmountRefunded > 0 && donation.AmountRefunded >= donation.Amount => DonationStatus.Refunded,
        _ when donation.AmountRefunded > 0 => DonationStatus.PartiallyRefunded,
        _ => DonationStatus.Paid,
    };

    /// <summary>
    /// Two workers applying events about one payment at once: the unique indexes and version checks let one win;
    /// the other runs again from a fresh read, so both facts land.
    /// </summary>
    private async Task<T> WithRetryOnConflictAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < MaxConflicts)
            {
                db.ChangeTracker.Clear();
                LogConflict(logger, attempt);
            }
        }
    }

    [LoggerMessage(EventId = 4010, EventName = "DonationPaid", Level = LogLevel.Information, Message = "Donation {DonationId} paid: {Amount} {Currency} (minor units)")]
    private static partial void LogPaid(ILogger logger, long donationId, long amount, string currency);

    [LoggerMessage(EventId = 4011, EventName = "DonationWriteConflict", Level = LogLevel.Debug, Message = "Concurrent update of a donation; applying again (attempt {Attempt})")]
    private static partial void LogConflict(ILogger logger, int attempt);
}

/// <summary>
/// A recurring plan as one event describes it; <see cref="Status"/> null leaves the status alone. <see cref="FromItems"/>:
/// <see cref="Amount"/> and <see cref="Interval"/> are the subscription's current price (a subscription event), not the
/// first payment's, so they may change the plan (a donor's new amount from the Billing Portal).
/// </summary>
public sealed record PlanChange(string SubscriptionId, long Amount, string Currency, string Interval, DateTime At,
    RecurringPlanStatus? Status = null, DateTime? CancelledAt = null, Donor? Donor = null,
    bool FromItems = false, string? CustomerId = null, long? CampaignId = null, bool DonorErased = false, int IntervalCount = 1);
