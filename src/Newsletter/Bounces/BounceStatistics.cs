using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Subscribers;

namespace Newsletter.Bounces;

/// <summary>The dashboard's Bounces page: rates per issue, the newest events, what the mailboxes could not use.</summary>
public sealed class BounceStatistics(NewsletterDb db)
{
    /// <summary>Gmail's bulk-sender line: stay below 0.3% spam complaints (and ideally below 0.1%).</summary>
    public const double ComplaintWarningRate = 0.003;

    /// <summary>The newest sent (or sending) issues with their bounce and complaint rates, from the ledger's states.</summary>
    public async Task<IReadOnlyList<IssueRates>> IssuesAsync(int take, CancellationToken cancellationToken)
    {
        var issues = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.State != DigestIssueState.Planned)
            .OrderByDescending(i => i.Id).Take(take).Select(i => new { i.Id, i.Subject, i.StartedAt }).ToListAsync(cancellationToken);
        var ids = issues.Select(i => i.Id).ToList();
        var counts = await db.Set<Delivery>().AsNoTracking()
            .Where(d => ids.Contains(d.IssueId) && (d.State == DeliveryState.Sent || d.State == DeliveryState.Bounced || d.State == DeliveryState.Complained))
            .GroupBy(d => new { d.IssueId, d.State }).Select(g => new { g.Key.IssueId, g.Key.State, Count = g.Count() }).ToListAsync(cancellationToken);
        int Of(long issue, DeliveryState state) => counts.FirstOrDefault(c => c.IssueId == issue && c.State == state)?.Count ?? 0;
        return issues.Select(i => new IssueRates(i.Id, i.Subject, i.StartedAt,
            Of(i.Id, DeliveryState.Sent) + Of(i.Id, DeliveryState.Bounced) + Of(i.Id, DeliveryState.Complained),
            Of(i.Id, DeliveryState.Bounced), Of(i.Id, DeliveryState.Complained))).ToList();
    }

    /// <summary>The newest events that took effect, with the reader's address when they are still on the list.</summary>
    public async Task<IReadOnlyList<EventRow>> RecentAsync(int take, CancellationToken cancellationToken)
    {
        var events = await db.Set<BounceEvent>().AsNoTracking().OrderByDescending(e => e.Id).Take(take).ToListAsync(cancellationToken);
        var ids = events.Where(e => e.SubscriberId is not null).Select(e => e.SubscriberId!.Value).Distinct().ToList();
        var emails = await db.Set<Subscriber>().AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Email, cancellationToken);
        return events.Select(e => new EventRow(e.At, e.Kind, e.Source, e.SubscriberId, e.SubscriberId is { } id ? emails.GetValueOrDefault(id) : null,
            e.IssueId, e.Status, e.Diagnostic, e.Effect)).ToList();
    }

    /// <summary>Inbound items since <paramref name="since"/> per outcome: what took effect and what was refused or left.</summary>
    public async Task<IReadOnlyDictionary<InboundOutcome, int>> InboundAsync(DateTime since, CancellationToken cancellationToken) =>
        (await db.Set<InboundMessage>().AsNoTracking().Where(m => m.ReceivedAt >= since).GroupBy(m => m.Outcome)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken)).ToDictionary(x => x.Key, x => x.Count);

    /// <summary>The newest items that were not applied (forged, unmatched, unreadable, loops), for a person to look at.</summary>
    public async Task<IReadOnlyList<InboundMessage>> RefusedAsync(int take, CancellationToken cancellationToken) =>
        await db.Set<InboundMessage>().AsNoTracking()
            .Where(m => m.Outcome == InboundOutcome.Forged || m.Outcome == InboundOutcome.Unmatched || m.Outcome == InboundOutcome.Unreadable || m.Outcome == InboundOutcome.Loop)
            .OrderByDescending(m => m.Id).Take(take).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<MailboxLease>> MailboxesAsync(CancellationToken cancellationToken) =>
        await db.Set<MailboxLease>().AsNoTracking().OrderBy(l => l.Name).ToListAsync(cancellationToken);

    public sealed record IssueRates(long IssueId, string Subject, DateTime? StartedAt, int Delivered, int Bounced, int Complained)
    {
        public double BounceRate => Delivered == 0 ? 0 : (double)Bounced / Delivered;
        public double ComplaintRate => Delivered == 0 ? 0 : (double)Complained / Delivered;
        public bool ComplaintWarning => ComplaintRate > ComplaintWarningRate;
    }

    public sealed record EventRow(DateTime At, BounceKind Kind, BounceSource Source, long? SubscriberId, string? Email, long? IssueId, string? Status, string? Diagnostic, string? Effect);
}
