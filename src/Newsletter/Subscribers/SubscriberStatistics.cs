using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Dashboard;

namespace Newsletter.Subscribers;

/// <summary>The overview's subscriber panel: counts by status and 90 days of growth, from indexed queries.</summary>
public sealed class SubscriberStatistics(NewsletterDb db, TimeProvider clock) : IOverviewPanel
{
    public const int GrowthDays = 90;

    public string Area => "subscribers";

    public async Task<OverviewPanel> BuildAsync(CancellationToken cancellationToken)
    {
        var counts = await CountsAsync(cancellationToken);
        var chart = await GrowthAsync(counts.Confirmed, cancellationToken);
        return new OverviewPanel("Subscribers",
            [
                new("Total", Number(counts.Total)),
                new("Confirmed", Number(counts.Confirmed)),
                new("Unconfirmed", Number(counts.Unconfirmed)),
                new("Unsubscribed", Number(counts.Unsubscribed)),
            ],
            chart, LinkUrl: "/admin/subscribers", LinkText: "All subscribers");
    }

    /// <summary>How many subscribers are in each status (one grouped count on the status index).</summary>
    public async Task<SubscriberCounts> CountsAsync(CancellationToken cancellationToken)
    {
        var byStatus = await db.Set<Subscriber>().GroupBy(s => s.Status).Select(g => new { Status = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
        long Of(SubscriberStatus status) => byStatus.GetValueOrDefault(status);
        return new SubscriberCounts(Of(SubscriberStatus.Confirmed) + Of(SubscriberStatus.Unconfirmed) + Of(SubscriberStatus.Unsubscribed),
            Of(SubscriberStatus.Confirmed), Of(SubscriberStatus.Unconfirmed), Of(SubscriberStatus.Unsubscribed));
    }

    /// <summary>
    /// Per day (UTC) over the last 90 days: confirmed readers on the list at the day's end, sign-ups (new addresses),
    /// unsubscribes of readers who had confirmed, and resubscribes (a reader who left and came back, from the preferences
    /// page or a new confirmation). Unsubscribes and resubscribes are read from the readers' history (SubscriberEvents,
    /// on its Kind and At index), so a reader who left and came back the same day counts once in each. The list size is walked back from today's confirmed count: each day's
    /// confirmations are taken off and its unsubscribes put back. It follows each reader's latest state, so a reader
    /// who left and came back counts from their latest confirmation (erased subscribers are gone from every day).
    /// </summary>
    public async Task<OverviewChart> GrowthAsync(long confirmedNow, CancellationToken cancellationToken)
    {
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var since = today.AddDays(-(GrowthDays - 1));
        var labels = new List<string>(GrowthDays);
        var signups = new long[GrowthDays];
        var unsubscribes = new long[GrowthDays];
        var left = new long[GrowthDays];
        var onList = new long[GrowthDays];
        // One count per day on the CreatedAt and UnsubscribedAt indexes: each reads only that day's index entries,
        // where grouping by a computed date would read every row of the 90 days.
        for (var i = 0; i < GrowthDays; i++)
        {
            var day = since.AddDays(i);
            var next = day.AddDays(1);
            labels.Add(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            signups[i] = await db.Set<Subscriber>().LongCountAsync(s => s.CreatedAt >= day && s.CreatedAt < next, cancellationToken);
            left[i] = await db.Set<Subscriber>().LongCountAsync(s => s.UnsubscribedAt >= day && s.UnsubscribedAt < next && s.ConfirmedAt != null, cancellationToken);
        }
        // From the history: one grouped read of each kind's 90 days on the (Kind, At) index. ConfirmedAt is set only by
        // confirming and never cleared, so it tells a reader who was on the list from one who never confirmed.
        var events = db.Set<SubscriberEvent>().Where(e => e.At >= since);
        var unsubscribed = await events.Where(e => e.Kind == "unsubscribed")
            .Join(db.Set<Subscriber>().Where(s => s.ConfirmedAt != null), e => e.SubscriberId, s => s.Id, (e, s) => e)
            .GroupBy(e => e.At.Date).Select(g => new { Day = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Day, g => g.Count, cancellationToken);
        var resubscribed = await events.Where(e => e.Kind == "resubscribed" || (e.Kind == "confirmed" && e.Detail == "came back"))
            .GroupBy(e => e.At.Date).Select(g => new { Day = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Day, g => g.Count, cancellationToken);
        var resubscribes = new long[GrowthDays];
        for (var i = 0; i < GrowthDays; i++)
        {
            unsubscribes[i] = unsubscribed.GetValueOrDefault(since.AddDays(i));
            resubscribes[i] = resubscribed.GetValueOrDefault(since.AddDays(i));
        }
        // Confirmations in the window of readers who are (or were, until they left) on the list; ConfirmedAt has no
        // index, so one grouped query rather than ninety.
        var confirmations = await db.Set<Subscriber>()
            .Where(s => s.ConfirmedAt >= since && (s.Status == SubscriberStatus.Confirmed || s.Status == SubscriberStatus.Unsubscribed))
            .GroupBy(s => s.ConfirmedAt!.Value.Date).Select(g => new { Day = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Day, g => g.Count, cancellationToken);
        var running = confirmedNow;
        for (var i = GrowthDays - 1; i >= 0; i--)
        {
            onList[i] = running;
            running += left[i] - confirmations.GetValueOrDefault(since.AddDays(i));
        }
        return new OverviewChart("line", labels, [new("Confirmed readers", onList), new("Sign-ups", signups), new("Unsubscribes", unsubscribes), new("Resubscribes", resubscribes)]);
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

public sealed record SubscriberCounts(long Total, long Confirmed, long Unconfirmed, long Unsubscribed);
