using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Newsletter.ApiKeys;

/// <summary>
/// Counts wrong API keys per client address in a one-minute window (<see cref="ApiKeyOptions.ApiKeyFailuresPerMinute"/>):
/// guessing keys stops long before it could matter. Per process, like the other rate limits. A client is its
/// <see cref="Web.ClientAddress.PartitionOf"/> key (an IPv4 address or an IPv6 /64).
/// </summary>
public sealed class ApiKeyFailures(IOptions<ApiKeyOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.ApiKeyFailuresPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>False once the client has used up its wrong keys for this minute; nothing is counted by asking.</summary>
    public bool MayTry(string client)
    {
        using var lease = _limiter.AttemptAcquire(client, 0);
        return lease.IsAcquired;
    }

    /// <summary>Counts one wrong key.</summary>
    public void Record(string client) => _limiter.AttemptAcquire(client, 1).Dispose();

    public void Dispose() => _limiter.Dispose();
}
