using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Digests;

namespace Newsletter.Tests.Digests;

/// <summary>The sending limits hold across threads (they only ever slow sending down; speed itself is the benchmark's job).</summary>
public sealed class DigestRateLimiterTests
{
    [Fact]
    public async Task Messages_per_second_is_honoured_across_parallel_senders()
    {
        using var limiter = Limiter(new DigestOptions { MessagesPerSecond = 50 });
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++) await limiter.AcquireAsync(CancellationToken.None);
        })));
        // 100 messages at 50 per second: the first tenth of a second is a burst, the rest must wait for refills.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"100 messages took only {clock.Elapsed}");
    }

    [Fact]
    public async Task The_sliding_window_stops_sending_once_its_limit_is_reached()
    {
        using var limiter = Limiter(new DigestOptions { WindowLimit = 10, Window = TimeSpan.FromHours(1) });
        for (var i = 0; i < 10; i++) await limiter.AcquireAsync(CancellationToken.None);
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await limiter.AcquireAsync(wait.Token));
    }

    [Fact]
    public async Task No_limit_configured_means_no_waiting()
    {
        using var limiter = Limiter(new DigestOptions());
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 10_000; i++) await limiter.AcquireAsync(wait.Token);
        Assert.Equal(1, limiter.Divisor);
    }

    private static DigestRateLimiter Limiter(DigestOptions options) =>
        new(Options.Create(options), new ServiceCollection().BuildServiceProvider(), TimeProvider.System);
}
