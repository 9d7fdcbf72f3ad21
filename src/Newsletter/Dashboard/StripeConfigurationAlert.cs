using Microsoft.Extensions.Configuration;

namespace Newsletter.Dashboard;

/// <summary>
/// Donations need Stripe keys. Reads the settings by name (Stripe:SecretKey, Stripe:WebhookSecret) so the
/// overview can warn before the donations feature is even registered.
/// </summary>
public sealed class StripeConfigurationAlert(IConfiguration configuration) : IDashboardAlertSource
{
    public Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var missing = new[] { "Stripe:SecretKey", "Stripe:WebhookSecret" }.Where(key => string.IsNullOrWhiteSpace(configuration[key])).ToList();
        IReadOnlyList<DashboardAlert> alerts = missing.Count == 0 ? [] :
            [new DashboardAlert(AlertLevel.Warning, $"Stripe is not configured ({string.Join(", ", missing)} not set): readers cannot donate.")];
        return Task.FromResult(alerts);
    }
}
