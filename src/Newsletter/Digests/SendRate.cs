namespace Newsletter.Digests;

/// <summary>
/// The fleet's token bucket for <see cref="DigestOptions.MessagesPerSecond"/>, one row per scope, in the database so
/// that every process draws from the same bucket and a restart hands out nothing new. <see cref="Version"/> makes
/// each take a compare-and-swap, safe at READ COMMITTED.
/// </summary>
public sealed class SendRateBucket
{
    public required string Scope { get; set; }
    public double Tokens { get; set; }
    public DateTime RefilledAt { get; set; }
    public long Version { get; set; }
}

/// <summary>Messages granted in one slice of time, for the sliding window of <see cref="DigestOptions.WindowLimit"/>.</summary>
public sealed class SendRateSlice
{
    public required string Scope { get; set; }
    public DateTime Start { get; set; }
    public int Count { get; set; }
}
