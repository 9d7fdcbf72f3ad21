using Hangfire;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

/// <summary>
/// Donations in a person's data export and erasure, subscriber or not. Erasure keeps the financial record (amount,
/// currency, dates, Stripe ids: accounting law wants them), removes who gave (name, address, message, subscriber link)
/// and marks donations, plans and checkouts as erased, so no later webhook fills the donor in again. Stored Stripe
/// events that still name the address are cut to ids and amounts. The monthly plans of an erased donor are cancelled
/// at Stripe after the erasure commits (<see cref="ErasedPlanCancellation"/>).
/// </summary>
public sealed class DonationPrivacy(NewsletterDb db, IBackgroundJobClient jobs, TimeProvider clock) : ISubscriberDataParticipant
{
    public string Section => "donations";

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        var gifts = await Donations(subject).AsNoTracking().OrderBy(d => d.Id)
            .Select(d => new DonationDataEntry(d.CreatedAt, d.PaidAt, d.Source, d.Kind.ToString(), d.Status.ToString(), d.Amount, d.AmountRefunded, d.Currency, d.DonorName, d.DonorEmail, d.Message))
            .ToListAsync(cancellationToken);
        var plans = await Plans(subject).AsNoTracking().OrderBy(p => p.Id)
            .Select(p => new RecurringPlanDataEntry(p.StartedAt, p.CancelledAt, p.Status.ToString(), p.Amount, p.Currency, p.Interval, p.IntervalCount))
            .ToListAsync(cancellationToken);
        var events = await EventsNaming(subject).AsNoTracking().OrderBy(e => e.Id)
            .Select(e => new StripeEventDataEntry(e.EventId, e.Type, e.ReceivedAt, e.State.ToString(), e.Payload))
            .ToListAsync(cancellationToken);
        return gifts.Count == 0 && plans.Count == 0 && events.Count == 0 ? null : new DonationDataExport(gifts, plans, events);
    }

    public async Task<int> EraseAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var donations = await Donations(subject).Select(d => new { d.Id, d.RecurringPlanId, d.StripeCheckoutSessionId }).ToListAsync(cancellationToken);
        var planIds = donations.Where(d => d.RecurringPlanId is not null).Select(d => d.RecurringPlanId!.Value)
            .Concat(await Plans(subject).Select(p => p.Id).ToListAsync(cancellationToken)).Distinct().ToList();
        var sessions = donations.Where(d => d.StripeCheckoutSessionId is not null).Select(d => d.StripeCheckoutSessionId!).ToList();
        // Every payment of an erased plan is the same person's, whatever address Stripe had on the invoice.
        var touched = await db.Set<Donation>().Where(d => (subject.SubscriberId != null && d.SubscriberId == subject.SubscriberId) || d.DonorEmailKey == subject.EmailKey
                || (d.RecurringPlanId != null && planIds.Contains(d.RecurringPlanId.Value)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.DonorName, (string?)null).SetProperty(d => d.DonorEmail, (string?)null).SetProperty(d => d.DonorEmailKey, (string?)null)
                .SetProperty(d => d.Message, (string?)null).SetProperty(d => d.SubscriberId, (long?)null)
                .SetProperty(d => d.DonorErasedAt, d => d.DonorErasedAt ?? now)
                .SetProperty(d => d.Version, d => d.Version + 1), cancellationToken);
        touched += await db.Set<RecurringPlan>().Where(p => planIds.Contains(p.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.DonorName, (string?)null).SetProperty(p => p.DonorEmail, (string?)null).SetProperty(p => p.DonorEmailKey, (string?)null)
            .SetProperty(p => p.SubscriberId, (long?)null).SetProperty(p => p.DonorErasedAt, p => p.DonorErasedAt ?? now)
            .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
        // Checkouts stay (a late webhook must still find them) but forget the donor, and say so.
        touched += await db.Set<DonationCheckout>().Where(c => c.DonorEmailKey == subject.EmailKey || (c.StripeCheckoutSessionId != null && sessions.Contains(c.StripeCheckoutSessionId)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.DonorName, (string?)null).SetProperty(c => c.DonorEmail, (string?)null).SetProperty(c => c.DonorEmailKey, (string?)null)
                .SetProperty(c => c.Message, (string?)null).SetProperty(c => c.DonorErasedAt, c => c.DonorErasedAt ?? now), cancellationToken);
        foreach (var stored in await EventsNaming(subject).ToListAsync(cancellationToken))
        {
            stored.Payload = StripePayloadRedactor.Redact(stored.Payload);
            stored.PayloadRedactedAt = now;
            touched++;
        }
        await db.SaveChangesAsync(cancellationToken);
        touched += await db.Set<TransactionalEmail>()
            .Where(e => (e.Kind == DonationLedger.ReceiptKind || e.Kind == DonationStatementComposer.StatementKind) && e.Recipient == subject.Email)
            .ExecuteDeleteAsync(cancellationToken);
        return touched;
    }

    /// <summary>Once the erasure is committed: cancel the erased donor's monthly plans at Stripe.</summary>
    public Task ErasedAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        jobs.Enqueue<ErasedPlanCancellation>(job => job.RunAsync(CancellationToken.None));
        return Task.CompletedTask;
    }

    private IQueryable<Donation> Donations(DataSubject subject) =>
        db.Set<Donation>().Where(d => (subject.SubscriberId != null && d.SubscriberId == subject.SubscriberId) || d.DonorEmailKey == subject.EmailKey);

    private IQueryable<RecurringPlan> Plans(DataSubject subject) =>
        db.Set<RecurringPlan>().Where(p => (subject.SubscriberId != null && p.SubscriberId == subject.SubscriberId) || p.DonorEmailKey == subject.EmailKey);

    /// <summary>Stored events whose payload (not yet redacted) contains the address, in any letter case.</summary>
    private IQueryable<StripeWebhookEvent> EventsNaming(DataSubject subject)
    {
        // Lower case on both sides: LIKE ignores case on SQLite and SQL Server but not on PostgreSQL.
        var pattern = "%" + subject.Email.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        return db.Set<StripeWebhookEvent>().Where(e => e.PayloadRedactedAt == null && EF.Functions.Like(e.Payload.ToLower(), pattern, "\\"));
    }
}

public sealed record DonationDataExport(IReadOnlyList<DonationDataEntry> Donations, IReadOnlyList<RecurringPlanDataEntry> RecurringPlans,
    IReadOnlyList<StripeEventDataEntry> StripeEvents);

public sealed record DonationDataEntry(DateTime CreatedAt, DateTime? PaidAt, string Source, string Kind, string Status, long Amount, long AmountRefunded,
    string Currency, string? Name, string? Email, string? Message);

public sealed record RecurringPlanDataEntry(DateTime StartedAt, DateTime? CancelledAt, string Status, long Amount, string Currency, string Interval, int IntervalCount);

/// <summary>A Stripe event stored as it arrived that still names the person (not yet applied, or failed).</summary>
public sealed record StripeEventDataEntry(string EventId, string Type, DateTime ReceivedAt, string State, string Payload);
