namespace Newsletter.Donations;

/// <summary>
/// A checkout we started: what the donor chose on our page. Its <see cref="PublicId"/> travels in the Stripe
/// session's metadata and derives the idempotency key, so a session without it is not one we created.
/// </summary>
public sealed class DonationCheckout
{
    public long Id { get; set; }
    public Guid PublicId { get; set; } = Guid.NewGuid();
    /// <summary>The gift in minor units, without any covered fee.</summary>
    public long Amount { get; set; }
    public required string Currency { get; set; }

    /// <summary>"once" or "month".</summary>
    public required string Interval { get; set; }

    public string? DonorName { get; set; }
    public string? DonorEmail { get; set; }
    public string? DonorEmailKey { get; set; }
    public string? Message { get; set; }
    public string? StripeCheckoutSessionId { get; set; }

    /// <summary>The campaign the donor gave to from <c>/donate?campaign=slug</c>.</summary>
    public long? CampaignId { get; set; }

    /// <summary>What the donor added to cover card fees; Stripe charges <see cref="Amount"/> plus this.</summary>
    public long CoveredFee { get; set; }
    /// <summary>When the donor was erased: the checkout's webhooks still record the money, never the donor.</summary>
    public DateTime? DonorErasedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}
