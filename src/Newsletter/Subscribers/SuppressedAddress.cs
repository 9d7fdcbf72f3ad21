namespace Newsletter.Subscribers;

/// <summary>An address that must never be mailed. Only a hash is kept, so erasure leaves no personal data.</summary>
public sealed class SuppressedAddress
{
    public long Id { get; set; }

    /// <summary>SHA-256 (hex) of the lower-cased address.</summary>
    public required string AddressHash { get; set; }

    public SuppressionReason Reason { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? Detail { get; set; }
}

public enum SuppressionReason
{
    Erased = 0,
    HardBounce = 1,
    Complaint = 2,
    Manual = 3,
}
