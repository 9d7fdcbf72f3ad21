using System.ComponentModel.DataAnnotations;

namespace Newsletter.Email;

public sealed class TransactionalEmailOptions
{
    public const string Section = "Email:Transactional";

    /// <summary>Attempts before a temporary failure (4xx, connection) becomes Failed.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait before the first retry; doubles each attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A row left in Sending longer than this belongs to a dead worker: Pending again if its message never went to a
    /// connection, Unknown if it did.
    /// </summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the outbox waits before trying again when the server refuses our sender or content.</summary>
    public TimeSpan HoldDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>SMTP connections this process keeps for transactional mail, apart from the digests'.</summary>
    [Range(1, 16)]
    public int Connections { get; set; } = 2;

    /// <summary>An idle connection older than this is closed instead of reused (servers drop idle clients).</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public Jobs.RetryPolicy Retry => new(MaxAttempts, RetryDelay, TimeSpan.FromHours(6));
}
