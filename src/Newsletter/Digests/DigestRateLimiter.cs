using System.Threading.RateLimiting;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Newsletter.Digests;

/// <summary>
/// The sending rate limit, shared by every sending thread in this process: a token bucket for messages per second and
/// a sliding window for messages per <see cref="DigestOptions.Window"/>. The configured limits are for the whole
/// fleet; each process takes an equal share, dividing by the number of live Hangfire servers (rechecked every minute).
/// </summary>
public sealed class DigestRateLimiter(IOptions<DigestOptions> options, IServiceProvider services, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private Limiters? _current;

    /// <summary>Waits for permission to send one message.</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        var limiters = Current();
        if (limiters.PerSecond is not null) await Acquire(limiters.PerSecond, cancellationToken);
        if (limiters.Window is not null) await Acquire(limiters.Window, cancellationToken);
    }

    /// <summary>The share of the fleet-wide limits this process uses.</summary>
    public int Divisor => Current().Divisor;

    private static async ValueTask Acquire(RateLimiter limiter, CancellationToken cancellationToken)
    {
        using var lease = await limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired) throw new InvalidOperationException("The rate limiter's queue is full.");
    }

    private Limiters Current()
    {
        var current = _current;
        if (current is not null && clock.GetElapsedTime(current.CreatedAt) < Recheck) return current;
        lock (_lock)
        {
            if (_current is not null && clock.GetElapsedTime(_current.CreatedAt) < Recheck) return _current;
            var divisor = CountServers();
            if (_current is not null && _current.Divisor == divisor)
            {
                _current = _current with { CreatedAt = clock.GetTimestamp() };
                return _current;
            }
            // The old limiters are not disposed: a sender may still be waiting on one, and disposing would fail it.
            _current = Create(options.Value, divisor, clock.GetTimestamp());
            return _current;
        }
    }

    private int CountServers()
    {
        try
        {
            var storage = services.GetService(typeof(JobStorage)) as JobStorage;
            return Math.Max(1, storage?.GetMonitoringApi().Servers().Count ?? 1);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.Data.Common.DbException)
        {
            return 1;
        }
    }

    private static Limiters Create(DigestOptions options, int divisor, long now)
    {
        TokenBucketRateLimiter? perSecond = null;
        SlidingWindowRateLimiter? window = null;
        if (options.MessagesPerSecond > 0)
        {
            var share = Math.Max(1, options.MessagesPerSecond / divisor);
            // Refilled ten times a second, so sending is smooth rather than a burst at the top of each second.
            var perTick = Math.Max(1, share / 10);
            perSecond = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = perTick,
                TokensPerPeriod = perTick,
                ReplenishmentPeriod = TimeSpan.FromSeconds(perTick / (double)share),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
        if (options.WindowLimit > 0)
        {
            window = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, options.WindowLimit / divisor),
                Window = options.Window,
                SegmentsPerWindow = 10,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
        return new Limiters(perSecond, window, divisor, now);
    }

    public void Dispose() => _current?.Dispose();

    private sealed record Limiters(RateLimiter? PerSecond, RateLimiter? Window, int Divisor, long CreatedAt) : IDisposable
    {
        public void Dispose()
        {
            PerSecond?.Dispose();
            Window?.Dispose();
        }
    }
}
