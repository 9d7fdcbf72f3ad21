namespace Newsletter.Donations;

/// <summary>
/// How a plan's status and amount follow subscription events in any order. Each keeps the Stripe time of the event that
/// set it, and an older event never overwrites a newer one. Events of the same second (Stripe's <c>created</c> has
/// no finer grain) are settled by the value itself, never by arrival: the status further along (Incomplete, Active,
/// PastDue, Paused) and the larger amount win. Cancelled is final.
/// </summary>
public static class PlanStatusRule
{
    public static void Apply(RecurringPlan plan, PlanChange change)
    {
        plan.StripeCustomerId ??= change.CustomerId;
        plan.CampaignId ??= change.CampaignId;
        if (change.FromItems && change.Amount > 0
            && (change.At > plan.AmountAsOf || (change.At == plan.AmountAsOf && (change.Amount, change.Interval, change.IntervalCount).CompareTo((plan.Amount, plan.Interval, plan.IntervalCount)) > 0)))
        {
            plan.Amount = change.Amount;
            plan.Interval = change.Interval;
            plan.IntervalCount = change.IntervalCount;
            plan.AmountAsOf = change.At;
        }
        if (change.Status is not { } status) return;
        if (status == RecurringPlanStatus.Cancelled)
        {
            var cancelledAt = change.CancelledAt ?? change.At;
            if (plan.Status != RecurringPlanStatus.Cancelled || plan.CancelledAt is null || cancelledAt < plan.CancelledAt) plan.CancelledAt = cancelledAt;
            if (plan.Status != RecurringPlanStatus.Cancelled || change.At < plan.StatusAsOf) plan.StatusAsOf = change.At;
            plan.Status = RecurringPlanStatus.Cancelled;
            return;
        }
        if (plan.Status == RecurringPlanStatus.Cancelled) return;
        if (change.At > plan.StatusAsOf || (change.At == plan.StatusAsOf && Rank(status) > Rank(plan.Status)))
        {
            plan.Status = status;
            plan.StatusAsOf = change.At;
        }
    }

    /// <summary>Same-second order: the status further along wins.</summary>
    public static int Rank(RecurringPlanStatus status) => status switch
    {
        RecurringPlanStatus.Incomplete => 0,
        RecurringPlanStatus.Active => 1,
        RecurringPlanStatus.PastDue => 2,
        RecurringPlanStatus.Paused => 3,
        _ => 4,
    };
}
