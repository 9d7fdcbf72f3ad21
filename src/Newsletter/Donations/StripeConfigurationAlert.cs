using Microsoft.Extensions.Options;
using Newsletter.Dashboard;

namespace Newsletter.Donations;

/// <summary>Donations need Stripe's keys (<see cref="StripeOptions.IsConfigured"/>): without them readers cannot donate.</summary>
public sealed class StripeConfigurationAlert(IOptions<StripeOptions> stripe) : IDashboardAlertSource
{
    public Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var options = stripe.Value;
        var missing = new[] { ("Stripe:SecretKey", options.SecretKey), ("Stripe:WebhookSecret", options.WebhookSecret) }
            .Where(key => string.IsNullOrWhiteSpace(key.Item2)).Select(key => key.Item1).ToList();
        IReadOnlyList<DashboardAlert> alerts = options.IsConfigured ? [] :
            [new DashboardAlert(AlertLevel.Warning, $"Stripe is not configured ({string.Join(", ", missing)} not set): readers cannot donate.")];
        return Task.FromResult(alerts);
    }
}
