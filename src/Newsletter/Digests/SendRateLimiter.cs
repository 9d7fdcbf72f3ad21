using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Digests;

/// <summary>
/// The digest rate limits for the whole fleet, kept in the database: a token bucket for
/// <see cref="DigestOptions.MessagesPerSecond"/> (capacity a tenth of a second's worth, so sending is smooth) and a
/// sliding window of <see cref="DigestOptions.WindowLimit"/> per <see cref="DigestOptions.Window"/> counted in sixtieths
/// of the window. Every process takes from the same rows, so a process that joins, leaves or restarts never hands out a
/// fresh allowance. A take is one short transaction that moves a version number (compare-and-swap), so concurrent
/// takers at READ COMMITTED retry instead of overdrawing. With no limit configured it costs nothing.
/// These are the relay's limits, so transactional mail takes its place too (<see cref="TakeAsync(CancellationToken)"/>):
/// it may be a moment ahead of the rate and is never held by the window, and the digests wait that much longer.
/// </summary>
public sealed partial class SendRateLimiter(IServiceScopeFactory scopes, IOptions<DigestOptions> options, TimeProvider clock, ILogger<SendRateLimiter> logger)
    : IRelayAllowance
{
    public const string DigestScope = "digests";
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(10);

    private bool Limited => options.Value.MessagesPerSecond > 0 || options.Value.WindowLimit > 0;

    /// <summary>
    /// Waits until at least one message may go, and takes permission for up to <paramref name="wanted"/>; returns how
    /// many were granted (1..wanted). Granted permissions are spent whether or not the messages go. When the wait would
    /// be longer than <paramref name="longestWait"/> (an exhausted hourly window, say), it does not wait: it grants 0
    /// and says when to come back, so the caller can free its worker and be scheduled for then.
    /// </summary>
    public async Task<(int Granted, DateTime? ComeBackAt)> AcquireAsync(int wanted, TimeSpan longestWait, CancellationToken cancellationToken)
    {
        if (!Limited) return (wanted, null);
        while (true)
        {
            var (granted, wait) = await TryTakeAsync(wanted, cancellationToken);
            if (granted > 0) return (granted, null);
            if (wait > longestWait) return (0, clock.GetUtcNow().UtcDateTime + wait);
            await Task.Delay(wait < MinimumWait ? MinimumWait : wait, clock, cancellationToken);
        }
    }

    /// <summary>How long until a message may go (zero: now), without taking anything. The sweep asks before resuming ranges.</summary>
    public async Task<TimeSpan> WaitAsync(CancellationToken cancellationToken)
    {
        if (!Limited) return TimeSpan.Zero;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        var limits = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var wait = TimeSpan.Zero;
        if (limits.WindowLimit > 0)
        {
            var slice = SliceLength(limits);
            var slices = db.Set<SendRateSlice>().Where(s => s.Scope == DigestScope && s.Start > now - limits.Window - slice);
            if (await slices.SumAsync(s => s.Count, cancellationToken) >= limits.WindowLimit)
            {
                var oldest = await slices.Where(s => s.Count > 0).MinAsync(s => (DateTime?)s.Start, cancellationToken) ?? now;
                wait = oldest + limits.Window + slice - now;
            }
        }
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>One attempt: the number granted now, or 0 and how long to wait before asking again.</summary>
    public Task<(int Granted, TimeSpan Wait)> TryTakeAsync(int wanted, CancellationToken cancellationToken) =>
        TryTakeAsync(wanted, ahead: false, cancellationToken);

    /// <summary>
    /// One message's place for mail that must not queue behind a digest (the transactional lane, before each message):
    /// it may take the bucket below zero, by at most the bucket's capacity (a tenth of a second's allowance), and the
    /// window past its limit; the digests need the bucket above zero and the window below its limit, so they wait until
    /// the allowance has caught up. A burst of confirmations goes at once; a run of annual statements goes at the rate.
    /// </summary>
    public async Task TakeAsync(CancellationToken cancellationToken)
    {
        if (!Limited) return;
        var busy = 0;
        try
        {
            while (true)
            {
                var (granted, wait) = await TryTakeAsync(1, ahead: true, cancellationToken);
                if (granted > 0) return;
                if (wait > TimeSpan.Zero) await Task.Delay(wait < MinimumWait ? MinimumWait : wait, clock, cancellationToken);
                // Another taker moved the bucket first: ask again at once, but not for ever.
                else if (++busy == 50)
                {
                    LogNotTaken(logger, "the rate limit's row was busy for 50 tries");
                    return;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database refused: the message goes anyway (its row is the outbox's to record), and only the digests'
            // pacing misses it.
            LogNotTaken(logger, e.Message);
        }
    }

    private async Task<(int Granted, TimeSpan Wait)> TryTakeAsync(int wanted, bool ahead, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        try
        {
            return await db.InTransactionAsync(token => TakeAsync(db, wanted, ahead, token), cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // Two processes created the bucket row (or the slice) at once; the other one's stands. Ask again. Any other
            // refusal goes up: asked again at once, it was a sender spinning for ever with no word in the log.
            return (0, TimeSpan.Zero);
        }
    }

    /// <summary>The take itself; <paramref name="ahead"/>: see <see cref="TakeAsync(CancellationToken)"/>.</summary>
    private async Task<(int Granted, TimeSpan Wait)> TakeAsync(NewsletterDb db, int wanted, bool ahead, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var bucket = await db.Set<SendRateBucket>().AsNoTracking().SingleOrDefaultAsync(b => b.Scope == DigestScope, cancellationToken);
        var granted = wanted;
        var wait = TimeSpan.Zero;
        var tokens = 0d;
        if (limits.MessagesPerSecond > 0)
        {
            var capacity = Math.Max(1d, limits.MessagesPerSecond / 10d);
            tokens = bucket is null ? capacity : Math.Min(capacity, bucket.Tokens + Math.Max(0, (now - bucket.RefilledAt).TotalSeconds) * limits.MessagesPerSecond);
            if (!ahead)
            {
                granted = Math.Min(granted, (int)Math.Floor(tokens));
                if (granted <= 0) wait = TimeSpan.FromSeconds((1 - tokens) / limits.MessagesPerSecond);
            }
            else if (tokens - granted < -capacity)
            {
                wait = TimeSpan.FromSeconds((granted - capacity - tokens) / limits.MessagesPerSecond);
                granted = 0;
            }
        }
        var slice = SliceLength(limits);
        var sliceStart = limits.WindowLimit > 0 ? new DateTime(now.Ticks - now.Ticks % slice.Ticks, DateTimeKind.Utc) : default;
        if (limits.WindowLimit > 0)
        {
            // Slices that overlap the window at all count in full: never more than the limit, at worst a little less.
            var from = now - limits.Window - slice;
            var slices = db.Set<SendRateSlice>().Where(s => s.Scope == DigestScope && s.Start > from);
            var used = await slices.SumAsync(s => s.Count, cancellationToken);
            var remaining = limits.WindowLimit - used;
            if (remaining <= 0 && !ahead)
            {
                var oldest = await slices.Where(s => s.Count > 0).MinAsync(s => (DateTime?)s.Start, cancellationToken) ?? now;
                var until = oldest + limits.Window + slice - now;
                wait = until > wait ? until : wait;
            }
            if (!ahead) granted = Math.Min(granted, remaining);
        }
        if (granted <= 0) return (0, wait);

        if (bucket is null)
        {
            db.Add(new SendRateBucket { Scope = DigestScope, Tokens = tokens - granted, RefilledAt = now, Version = 1 });
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            var version = bucket.Version;
            var left = tokens - granted;
            var swapped = await db.Set<SendRateBucket>().Where(b => b.Scope == DigestScope && b.Version == version)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Tokens, left).SetProperty(b => b.RefilledAt, now)
                    .SetProperty(b => b.Version, version + 1), cancellationToken);
            // Another taker moved the bucket since we read it: nothing was taken; ask again at once.
            if (swapped == 0) return (0, TimeSpan.Zero);
        }
        if (limits.WindowLimit > 0)
        {
            var counted = await db.Set<SendRateSlice>().Where(s => s.Scope == DigestScope && s.Start == sliceStart)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Count, x => x.Count + granted), cancellationToken);
            if (counted == 0)
            {
                db.Add(new SendRateSlice { Scope = DigestScope, Start = sliceStart, Count = granted });
                await db.SaveChangesAsync(cancellationToken);
            }
        }
        return (granted, TimeSpan.Zero);
    }

    /// <summary>Deletes slices that no window can reach any more. Run by the sweep.</summary>
    public async Task<int> PurgeAsync(NewsletterDb db, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var keep = limits.Window > TimeSpan.Zero ? limits.Window + SliceLength(limits) : TimeSpan.Zero;
        var before = clock.GetUtcNow().UtcDateTime - keep - TimeSpan.FromMinutes(1);
        return await db.Set<SendRateSlice>().Where(s => s.Scope == DigestScope && s.Start < before).ExecuteDeleteAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 5035, EventName = "RelayAllowanceNotTaken", Level = LogLevel.Warning,
        Message = "A transactional message goes without its place in the relay's rate limit ({Reason}); the digests may send one more this window")]
    private static partial void LogNotTaken(ILogger logger, string reason);

    private static TimeSpan SliceLength(DigestOptions limits) =>
        limits.Window > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, limits.Window.Ticks / 60)) : TimeSpan.FromMinutes(1);
}
