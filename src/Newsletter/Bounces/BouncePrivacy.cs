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

    public async Task<object?> ExportAsync(Subscriber subscriber, CancellationToken cancellationToken) =>
        (await db.Set<BounceEvent>().AsNoTracking().Where(e => e.SubscriberId == subscriber.Id).OrderBy(e => e.Id).ToListAsync(cancellationToken))
            .Select(e => new BounceEntry(e.At, e.Kind.ToString(), e.Source.ToString(), e.IssueId, e.Status, e.Diagnostic, e.Effect)).ToList();

    public Task EraseAsync(Subscriber subscriber, CancellationToken cancellationToken) =>
        db.Set<BounceEvent>().Where(e => e.SubscriberId == subscriber.Id).ExecuteDeleteAsync(cancellationToken);
}
