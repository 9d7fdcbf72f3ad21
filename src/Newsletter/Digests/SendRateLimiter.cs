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
/// These are the relay's limits, so transactional mail counts too (<see cref="CountAsync"/>): it never waits, it
/// overdraws, and the digests wait that much longer.
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
        TryTakeAsync(wanted, overdraw: false, cancellationToken);

    /// <summary>
    /// Counts messages that went out without asking (transactional mail, on its own lane): the bucket may go below zero
    /// and the window past its limit, and the digests' next takes wait until the allowance has caught up. So the relay
    /// sees the limit over any stretch longer than a moment, and a confirmation never waits behind a digest.
    /// </summary>
    public async Task CountAsync(int messages)
    {
        if (!Limited || messages <= 0) return;
        try
        {
            // A take that loses the compare-and-swap to another taker took nothing: ask again (each try is one short
            // transaction, and takers are few).
            for (var attempt = 0; attempt < 50; attempt++)
                if ((await TryTakeAsync(messages, overdraw: true, CancellationToken.None)).Granted > 0) return;
            LogNotCounted(logger, messages, "the rate limit's row was busy for 50 tries");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The mail has gone, and its row must still be recorded: whatever the database said, only the digests'
            // pacing misses this count.
            LogNotCounted(logger, messages, e.Message);
        }
    }

    private async Task<(int Granted, TimeSpan Wait)> TryTakeAsync(int wanted, bool overdraw, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        try
        {
            return await db.InTransactionAsync(token => TakeAsync(db, wanted, overdraw, token), cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two processes created the bucket row (or the slice) at once; the other one's stands. Ask again.
            return (0, TimeSpan.Zero);
        }
    }

    private async Task<(int Granted, TimeSpan Wait)> TakeAsync(NewsletterDb db, int wanted, bool overdraw, CancellationToken cancellationToken)
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
            if (!overdraw) granted = Math.Min(granted, (int)Math.Floor(tokens));
            if (granted <= 0) wait = TimeSpan.FromSeconds((1 - tokens) / limits.MessagesPerSecond);
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
            if (remaining <= 0)
            {
                var oldest = await slices.Where(s => s.Count > 0).MinAsync(s => (DateTime?)s.Start, cancellationToken) ?? now;
                var until = oldest + limits.Window + slice - now;
                wait = until > wait ? until : wait;
            }
            if (!overdraw) granted = Math.Min(granted, remaining);
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

    [LoggerMessage(EventId = 5035, EventName = "RelayAllowanceNotCounted", Level = LogLevel.Warning,
        Message = "{Messages} transactional message(s) could not be counted against the relay's rate limit ({Reason}); the digests may send that many more this window")]
    private static partial void LogNotCounted(ILogger logger, int messages, string reason);

    private static TimeSpan SliceLength(DigestOptions limits) =>
        limits.Window > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, limits.Window.Ticks / 60)) : TimeSpan.FromMinutes(1);
}
