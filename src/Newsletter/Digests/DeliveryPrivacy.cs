using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// The reader's deliveries in their data export, and erased with them: the rows are deleted (an issue's counts then
/// no longer include them, which is what erasure means). Runs inside the erasure transaction. Only subscribers have
/// deliveries.
/// </summary>
public sealed class DeliveryPrivacy(NewsletterDb db) : ISubscriberDataParticipant
{
    public string Section => "deliveries";

    public sealed record DeliveryEntry(long IssueId, string Subject, string State, DateTime? SentAt, int? SmtpStatus);

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken cancellationToken) =>
        subject.SubscriberId is not { } id ? null : await db.Set<Delivery>().AsNoTracking().Where(d => d.SubscriberId == id)
            .Join(db.Set<DigestIssue>(), d => d.IssueId, i => i.Id, (d, i) => new { d.IssueId, i.Subject, d.State, d.SentAt, d.SmtpStatus })
            .OrderBy(x => x.IssueId)
            .Select(x => new DeliveryEntry(x.IssueId, x.Subject, x.State.ToString(), x.SentAt, x.SmtpStatus))
            .ToListAsync(cancellationToken);

    public async Task<int> EraseAsync(DataSubject subject, CancellationToken cancellationToken) =>
        subject.SubscriberId is not { } id ? 0 : await db.Set<Delivery>().Where(d => d.SubscriberId == id).ExecuteDeleteAsync(cancellationToken);
}
