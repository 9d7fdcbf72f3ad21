namespace Newsletter.Jobs;

/// <summary>
/// Delays for Hangfire's <c>Schedule</c> when a row says when it is due. Hangfire keeps a scheduled job's time to the
/// whole second, so a job scheduled for exactly the due time can wake a little early, find its row not yet due, and do
/// nothing; one extra second keeps it on the right side.
/// </summary>
public static class JobDelay
{
    private static readonly TimeSpan Precision = TimeSpan.FromSeconds(1);

    /// <summary>The delay that wakes a job no earlier than <paramref name="due"/>.</summary>
    public static TimeSpan Until(DateTime due, DateTime now) => due - now + Precision;

    /// <summary>The delay that wakes a job no earlier than <paramref name="delay"/> from now.</summary>
    public static TimeSpan After(TimeSpan delay) => delay + Precision;
}
