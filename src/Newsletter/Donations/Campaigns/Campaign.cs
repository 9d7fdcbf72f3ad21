namespace Newsletter.Donations;

/// <summary>
/// A fundraising campaign with a goal: <c>/donate?campaign={Slug}</c> shows its progress. It runs from the start of
/// <see cref="StartsOn"/> to the end of <see cref="EndsOn"/> in Donations:TimeZone. A gift counts toward it when it was
/// given to it and paid while it ran: one-time gifts paid in time, and each payment of a monthly gift started for it
/// that falls inside those dates (later payments support the publisher, not the campaign).
/// </summary>
public sealed class Campaign
{
    public long Id { get; set; }

    /// <summary>Lower-case letters, digits and hyphens; the campaign's name in links.</summary>
    public required string Slug { get; set; }

    public required string Name { get; set; }

    /// <summary>The goal in minor units of <see cref="Currency"/>; gifts in other currencies never count (we never convert).</summary>
    public long GoalAmount { get; set; }

    public required string Currency { get; set; }

    public DateOnly StartsOn { get; set; }

    /// <summary>The last day, included.</summary>
    public DateOnly EndsOn { get; set; }

    /// <summary>Shown after the gift and in its receipt.</summary>
    public string? ThankYouText { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Where a campaign is on the calendar.</summary>
public enum CampaignState
{
    Upcoming,
    Running,
    Ended,
}
