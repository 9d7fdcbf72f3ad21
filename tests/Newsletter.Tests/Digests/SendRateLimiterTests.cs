using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// The fleet's rate limits live in the database, so several limiters on one database (several worker processes, or one
/// process before and after a restart) draw on one allowance. A fake clock stands in for time.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SendRateLimiterTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    // Starts at the real time: the host's own digest sweep purges slices older than its window by the real clock, and
    // would take a test's slices from under it if the fake clock started in the past. On a whole second: PostgreSQL
    // keeps microseconds, and a clock between two would leave the bucket a hair fuller than the test says.
    private readonly FakeTimeProvider _clock = new(WholeSecond(DateTime.UtcNow));

    private static DateTimeOffset WholeSecond(DateTime now) => new(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    [Fact]
    public async Task The_window_limit_is_shared_by_processes_and_survives_a_restart()
    {
        await ResetAsync();
        var limits = new DigestOptions { WindowLimit = 10, Window = TimeSpan.FromHours(1) };
        var first = Limiter(limits);
        var second = Limiter(limits);

        Assert.Equal(6, (await first.TryTakeAsync(6, CancellationToken.None)).Granted);
        Assert.Equal(4, (await second.TryTakeAsync(6, CancellationToken.None)).Granted);
        var (granted, wait) = await first.TryTakeAsync(1, CancellationToken.None);
        Assert.Equal(0, granted);
        Assert.InRange(wait, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(63));

        // A process that starts now (or restarts) gets no fresh allowance.
        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, (await Limiter(limits).TryTakeAsync(10, CancellationToken.None)).Granted);

        // A sender does not sit on a worker for half an hour: it is told when to come back.
        Assert.Equal((0, _clock.GetUtcNow().UtcDateTime + wait - TimeSpan.FromMinutes(30)),
            await Limiter(limits).AcquireAsync(5, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(wait - TimeSpan.FromMinutes(30), await Limiter(limits).WaitAsync(CancellationToken.None));

        // Once the window has passed, the allowance is back, once, for everyone together.
        _clock.Advance(TimeSpan.FromMinutes(32));
        Assert.Equal(10, (await Limiter(limits).TryTakeAsync(15, CancellationToken.None)).Granted);
        Assert.Equal(0, (await first.TryTakeAsync(1, CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task Messages_per_second_hold_across_processes_in_every_second()
    {
        await ResetAsync();
        var limits = new DigestOptions { MessagesPerSecond = 50 };
        var limiters = new[] { Limiter(limits), Limiter(limits) };
        var grants = new List<(DateTime At, int Count)>();
        // Ten simulated seconds, each of two limiters asking for three every 10 ms.
        for (var step = 0; step < 1000; step++)
        {
            foreach (var limiter in limiters)
            {
                var (granted, _) = await limiter.TryTakeAsync(3, CancellationToken.None);
                if (granted > 0) grants.Add((_clock.GetUtcNow().UtcDateTime, granted));
            }
            _clock.Advance(TimeSpan.FromMilliseconds(10));
        }
        var start = grants[0].At;
        // In any second: at most the rate plus the bucket's capacity (a tenth of a second's worth).
        for (var from = start; from < start.AddSeconds(9); from = from.AddMilliseconds(100))
        {
            var inSecond = grants.Where(g => g.At >= from && g.At < from.AddSeconds(1)).Sum(g => g.Count);
            Assert.True(inSecond <= 55, $"{inSecond} messages granted in the second from {from:HH:mm:ss.fff}");
        }
        Assert.InRange(grants.Sum(g => g.Count), 490, 505);
    }

    [Fact]
    public async Task No_limit_configured_grants_everything_and_touches_nothing()
    {
        await ResetAsync();
        var limiter = Limiter(new DigestOptions());
        for (var i = 0; i < 1000; i++) Assert.Equal((10, (DateTime?)null), await limiter.AcquireAsync(10, TimeSpan.Zero, CancellationToken.None));
        Assert.False(await app.WithDbAsync(db => db.Set<SendRateBucket>().AnyAsync()));
    }

    [Fact]
    public async Task Transactional_mail_is_never_held_by_the_window_and_the_digests_leave_room_for_it()
    {
        await ResetAsync();
        var limits = new DigestOptions { WindowLimit = 10, Window = TimeSpan.FromHours(1) };
        var digests = Limiter(limits);
        var outbox = Limiter(limits);

        // Four confirmations take their places in the hour: the digests get what is left, six and not ten.
        for (var i = 0; i < 4; i++) await outbox.TakeAsync(CancellationToken.None);
        Assert.Equal(6, (await digests.TryTakeAsync(10, CancellationToken.None)).Granted);
        Assert.Equal(0, (await digests.TryTakeAsync(1, CancellationToken.None)).Granted);

        // With the hour spent, a receipt still goes at once and is counted; the digests wait for the window.
        await outbox.TakeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(11, await app.WithDbAsync(db => db.Set<SendRateSlice>().SumAsync(s => s.Count)));
        Assert.True(await digests.WaitAsync(CancellationToken.None) > TimeSpan.FromMinutes(55));
    }

    [Fact]
    public async Task Transactional_mail_may_be_a_moment_ahead_of_the_rate_and_no_more_and_the_digests_wait_for_it()
    {
        await ResetAsync();
        var limits = new DigestOptions { MessagesPerSecond = 10 };
        var digests = Limiter(limits);
        var outbox = Limiter(limits);

        // The bucket holds one message (a tenth of a second); transactional mail may borrow one more at once.
        await outbox.TakeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await outbox.TakeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var (granted, wait) = await digests.TryTakeAsync(5, CancellationToken.None);
        Assert.Equal((0, TimeSpan.FromSeconds(0.2)), (granted, wait)); // from -1 back to 1

        // A third is a tenth of a second too early: it waits for that on the clock, not for the digests.
        var third = outbox.TakeAsync(CancellationToken.None);
        await Task.Delay(300);
        Assert.False(third.IsCompleted, "the third message went without waiting for the rate");
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, (await digests.TryTakeAsync(5, CancellationToken.None)).Granted);
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, (await digests.TryTakeAsync(5, CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task Without_a_limit_transactional_mail_writes_nothing()
    {
        await ResetAsync();
        await Limiter(new DigestOptions()).TakeAsync(CancellationToken.None);
        Assert.False(await app.WithDbAsync(db => db.Set<SendRateBucket>().AnyAsync()));
        Assert.False(await app.WithDbAsync(db => db.Set<SendRateSlice>().AnyAsync()));
    }

    [Fact]
    public async Task A_take_the_database_refuses_is_an_error_not_another_process_winning_the_race()
    {
        await ResetAsync();
        var limits = new DigestOptions { MessagesPerSecond = 50 };
        await using (await RefusingTrigger.RefuseAsync(app, "SendRateBuckets"))
        {
            // Taken for another process's insert, the refusal was "ask again at once", for ever, with no word in the log.
            using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Assert.ThrowsAsync<DbUpdateException>(() => Limiter(limits).AcquireAsync(5, TimeSpan.FromSeconds(10), giveUp.Token));
        }
        Assert.Equal((5, null), await Limiter(limits).AcquireAsync(5, TimeSpan.FromSeconds(10), CancellationToken.None));
    }

    private SendRateLimiter Limiter(DigestOptions limits) =>
        new(app.Services.GetRequiredService<IServiceScopeFactory>(), Options.Create(limits), _clock, NullLogger<SendRateLimiter>.Instance);

    private Task ResetAsync() => app.WithDbAsync(async db =>
    {
        await db.Set<SendRateBucket>().ExecuteDeleteAsync();
        await db.Set<SendRateSlice>().ExecuteDeleteAsync();
    });
}
