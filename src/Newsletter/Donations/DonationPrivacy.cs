using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

/// <summary>
/// Donations in a subscriber's data export and erasure. Erasure keeps the financial record (amount, currency, dates,
/// Stripe ids: accounting law wants them) and removes who gave: name, address, message and the subscriber link.
/// Donations are found by subscriber link and by the same address, so gifts made before signing up are included.
/// </summary>
public sealed class DonationPrivacy(NewsletterDb db) : ISubscriberDataParticipant
{
    public string Section => "donations";

    public async Task<object?> ExportAsync(Subscriber subscriber, CancellationToken cancellationToken)
    {
        var gifts = await Donations(subscriber).AsNoTracking().OrderBy(d => d.Id)
            .Select(d => new DonationDataEntry(d.CreatedAt, d.PaidAt, d.Source, d.Kind.ToString(), d.Status.ToString(), d.Amount, d.AmountRefunded, d.Currency, d.DonorName, d.DonorEmail, d.Message))
            .ToListAsync(cancellationToken);
        var plans = await db.Set<RecurringPlan>().AsNoTracking().Where(p => p.SubscriberId == subscriber.Id || p.DonorEmailKey == subscriber.EmailKey).OrderBy(p => p.Id)
            .Select(p => new RecurringPlanDataEntry(p.StartedAt, p.CancelledAt, p.Status.ToString(), p.Amount, p.Currency, p.Interval))
            .ToListAsync(cancellationToken);
        return new DonationDataExport(gifts, plans);
    }

    public async Task EraseAsync(Subscriber subscriber, CancellationToken cancellationToken)
    {
        await Donations(subscriber).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.DonorName, (string?)null).SetProperty(d => d.DonorEmail, (string?)null).SetProperty(d => d.DonorEmailKey, (string?)null)
            .SetProperty(d => d.Message, (string?)null).SetProperty(d => d.SubscriberId, (long?)null)
            .SetProperty(d => d.Version, d => d.Version + 1), cancellationToken);
        await db.Set<RecurringPlan>().Where(p => p.SubscriberId == subscriber.Id || p.DonorEmailKey == subscriber.EmailKey).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.DonorName, (string?)null).SetProperty(p => p.DonorEmail, (string?)null).SetProperty(p => p.DonorEmailKey, (string?)null)
            .SetProperty(p => p.SubscriberId, (long?)null).SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
        // Checkouts stay (a late webhook must still find them) but forget the donor.
        await db.Set<DonationCheckout>().Where(c => c.DonorEmailKey == subscriber.EmailKey).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.DonorName, (string?)null).SetProperty(c => c.DonorEmail, (string?)null).SetProperty(c => c.DonorEmailKey, (string?)null)
            .SetProperty(c => c.Message, (string?)null), cancellationToken);
        await db.Set<TransactionalEmail>()
            .Where(e => (e.Kind == DonationLedger.ReceiptKind || e.Kind == DonationStatementComposer.StatementKind) && e.Recipient == subscriber.Email)
            .ExecuteDeleteAsync(cancellationToken);
    }

    private IQueryable<Donation> Donations(Subscriber subscriber) =>
        db.Set<Donation>().Where(d => d.SubscriberId == subscriber.Id || d.DonorEmailKey == subscriber.EmailKey);
}

public sealed record DonationDataExport(IReadOnlyList<DonationDataEntry> Donations, IReadOnlyList<RecurringPlanDataEntry> RecurringPlans);

public sealed record DonationDataEntry(DateTime CreatedAt, DateTime? PaidAt, string Source, string Kind, string Status, long Amount, long AmountRefunded,
    string Currency, string? Name, string? Email, string? Message);

public sealed record RecurringPlanDataEntry(DateTime StartedAt, DateTime? CancelledAt, string Status, long Amount, string Currency, string Interval);
