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

    /// <summary>A row left in Sending longer than this belongs to a dead worker and becomes Unknown.</summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(10);
}
