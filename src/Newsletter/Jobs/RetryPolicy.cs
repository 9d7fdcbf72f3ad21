namespace Newsletter.Jobs;

/// <summary>
/// When a work row that failed for now is tried again: <see cref="BaseDelay"/> after the first attempt, doubling with
/// each attempt up to <see cref="MaxDelay"/>, and no more than <see cref="MaxAttempts"/> attempts in all.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>Whether a row that has had <paramref name="attempts"/> attempts may have another.</summary>
    public bool MayRetry(int attempts) => attempts < MaxAttempts;

    /// <summary>The wait after attempt number <paramref name="attempts"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = BaseDelay * factor;
        return delay < MaxDelay ? delay : MaxDelay;
    }

    /// <summary>When a row that has had <paramref name="attempts"/> attempts is due again.</summary>
    public DateTime NextDue(int attempts, DateTime now) => now + DelayAfter(attempts);
}
