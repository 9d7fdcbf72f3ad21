using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Dashboard;

namespace Newsletter.Donations;

/// <summary>
/// Flags to staff the monthly plans of erased donors that are not cancelled yet: Stripe is not configured (nothing can
/// be cancelled from here) or refused the cancellation. Someone must stop those charges in Stripe's dashboard.
/// </summary>
public sealed class ErasedPlanAlert(ErasedPlanCancellation cancellation, IOptions<StripeOptions> stripe, TimeProvider clock) : IDashboardAlertSource
{
    /// <summary>How long a plan may wait for the job (it runs every few minutes) before it is flagged.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(15);

    public async Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var waitedSince = clock.GetUtcNow().UtcDateTime - Grace;
        var stuck = await cancellation.Pending()
            .Where(p => p.CancelError != null || p.DonorErasedAt < waitedSince || !stripe.Value.IsConfigured)
            .Select(p => p.StripeSubscriptionId).ToListAsync(cancellationToken);
        if (stuck.Count == 0) return [];
        return [new DashboardAlert(AlertLevel.Error,
            $"{stuck.Count} monthly donation plan(s) of erased donors are still active at Stripe and could not be cancelled from here: "
            + string.Join(", ", stuck.Take(10)) + (stuck.Count > 10 ? ", …" : "") + ". Cancel them in Stripe's dashboard.")];
    }
}
