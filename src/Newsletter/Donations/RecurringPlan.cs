namespace Newsletter.Donations;

/// <summary>A monthly (or yearly) gift through a Stripe subscription. Each paid invoice is a <see cref="Donation"/>.</summary>
public sealed class RecurringPlan
{
    public long Id { get; set; }
    public required string StripeSubscriptionId { get; set; }

    /// <summary>Amount per interval in minor units.</summary>
    public long Amount { get; set; }

    public required string Currency { get; set; }

    /// <summary>"month" or "year" (Stripe also has "day" and "week"), as Stripe names it.</summary>
    public required string Interval { get; set; }

    /// <summary>How many <see cref="Interval"/>s between payments: 3 months is quarterly (Stripe's <c>interval_count</c>).</summary>
    public int IntervalCount { get; set; } = 1;

    public RecurringPlanStatus Status { get; set; } = RecurringPlanStatus.Incomplete;

    /// <summary>The Stripe time of the event that set <see cref="Status"/>: an older event never overwrites a newer one.</summary>
    public DateTime StatusAsOf { get; set; }

    /// <summary>The Stripe time of the subscription event that set <see cref="Amount"/> and <see cref="Interval"/> from its items.</summary>
    public DateTime AmountAsOf { get; set; }

    /// <summary>The Stripe customer (cus_...) whose Billing Portal changes or cancels this plan.</summary>
    public string? StripeCustomerId { get; set; }

    /// <summary>The campaign the plan was started for; its payments count toward it while the campaign runs.</summary>
    public long? CampaignId { get; set; }

    public string? DonorName { get; set; }
    public string? DonorEmail { get; set; }
    public string? DonorEmailKey { get; set; }
    public long? SubscriberId { get; set; }

    /// <summary>When the donor was erased: no event fills the donor in again, and every later payment of the plan is anonymous too.</summary>
    public DateTime? DonorErasedAt { get; set; }

    /// <summary>
    /// When Stripe accepted our request to cancel the subscription of an erased donor (see <see cref="ErasedPlanCancellation"/>);
    /// null while that is still to do.
    /// </summary>
    public DateTime? CancelRequestedAt { get; set; }

    /// <summary>Why the last cancellation request failed, for staff (the dashboard flags such plans).</summary>
    public string? CancelError { get; set; }

    public DateTime StartedAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int Version { get; set; }
}

public enum RecurringPlanStatus
{
    Incomplete = 0,
    Active = 1,
    PastDue = 2,
    /// <summary>Final: a cancelled subscription never becomes active again (a new gift is a new plan).</summary>
    Cancelled = 3,
    /// <summary>Payments paused (Stripe's paused status, or collection paused in the portal); resuming makes it Active.</summary>
    Paused = 4,
}
