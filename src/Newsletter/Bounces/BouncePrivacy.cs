using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Subscribers;

namespace Newsletter.Bounces;

/// <summary>
/// A reader's bounces and complaints in their data export, and deleted on erasure (the suppression list keeps only
/// its hash, which is what stops us mailing them again). Runs inside the erasure transaction.
/// </summary>
public sealed class BouncePrivacy(NewsletterDb db) : ISubscriberDataParticipant
{
    public string Section => "bounces";

    public sealed record BounceEntry(DateTime At, string Kind, string Source, long? IssueId, string? Status, string? Diagnostic, string? Effect);

    // Bounce events are kept by subscriber: someone who never subscribed has none.
    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken cancellationToken) => subject.SubscriberId is not { } id ? null
        : (await db.Set<BounceEvent>().AsNoTracking().Where(e => e.SubscriberId == id).OrderBy(e => e.Id).ToListAsync(cancellationToken))
            .Select(e => new BounceEntry(e.At, e.Kind.ToString(), e.Source.ToString(), e.IssueId, e.Status, e.Diagnostic, e.Effect)).ToList();

    public async Task<int> EraseAsync(DataSubject subject, CancellationToken cancellationToken) => subject.SubscriberId is not { } id ? 0
        : await db.Set<BounceEvent>().Where(e => e.SubscriberId == id).ExecuteDeleteAsync(cancellationToken);
}
