using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

/// <summary>
/// The personal data the supporter features add, in a subscriber's export and erasure: the donor's manage-link access
/// (deleted, so every link already sent opens nothing), payments listed as unmatched (payer forgotten), and the
/// manage-link emails (sent or not: each row names the address). Donations and plans themselves are <see cref="DonationPrivacy"/>'s.
/// </summary>
public sealed class SupporterPrivacy(NewsletterDb db) : ISubscriberDataParticipant
{
    public string Section => "supporter";

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        var unmatched = await db.Set<UnmatchedStripePayment>().AsNoTracking().Where(u => u.PayerEmailKey == subject.EmailKey).OrderBy(u => u.Id)
            .Select(u => new UnmatchedPaymentDataEntry(u.StripeCreatedAt, u.Amount, u.Currency, u.PayerName, u.PayerEmail, u.State.ToString()))
            .ToListAsync(cancellationToken);
        var hasAccess = await db.Set<DonorAccess>().AnyAsync(a => a.EmailKey == subject.EmailKey, cancellationToken);
        return hasAccess || unmatched.Count > 0 ? new SupporterDataExport(hasAccess, unmatched) : null;
    }

    public async Task<int> EraseAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        var access = await db.Set<DonorAccess>().Where(a => a.EmailKey == subject.EmailKey).Select(a => (long?)a.Id).FirstOrDefaultAsync(cancellationToken);
        var touched = await db.Set<DonorAccess>().Where(a => a.EmailKey == subject.EmailKey).ExecuteDeleteAsync(cancellationToken);
        touched += await db.Set<UnmatchedStripePayment>().Where(u => u.PayerEmailKey == subject.EmailKey).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.PayerName, (string?)null).SetProperty(u => u.PayerEmail, (string?)null).SetProperty(u => u.PayerEmailKey, (string?)null)
            .SetProperty(u => u.Version, u => u.Version + 1), cancellationToken);
        touched += await db.Set<TransactionalEmail>()
            .Where(e => e.Kind == DonorPortal.ManageLinkKind && (e.Recipient == subject.Email || (access != null && e.SubjectId == access)))
            .ExecuteDeleteAsync(cancellationToken);
        return touched;
    }
}

public sealed record SupporterDataExport(bool HasManageLinks, IReadOnlyList<UnmatchedPaymentDataEntry> UnmatchedPayments);

public sealed record UnmatchedPaymentDataEntry(DateTime At, long Amount, string Currency, string? Name, string? Email, string State);
