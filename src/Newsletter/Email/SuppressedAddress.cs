namespace Newsletter.Email;

/// <summary>An address that must never be mailed. Only a keyed hash is kept, so erasure leaves no personal data.</summary>
public sealed class SuppressedAddress
{
    public long Id { get; set; }

    /// <summary>HMAC-SHA256 (hex) of the lower-cased address with the suppression key (see <see cref="SuppressionList"/>).</summary>
    public required string AddressHash { get; set; }

    /// <summary>False for rows from before the key: their hash is the plain SHA-256 until the address is seen again.</summary>
    public bool Keyed { get; set; }

    public SuppressionReason Reason { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>The SMTP status codes of a bounce ("550 5.1.1"); never the reply's text, which names the address.</summary>
    public string? Detail { get; set; }
}

public enum SuppressionReason
{
    Erased = 0,
    HardBounce = 1,
    Complaint = 2,
    Manual = 3,
}
