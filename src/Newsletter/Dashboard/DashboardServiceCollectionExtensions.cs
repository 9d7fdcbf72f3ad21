using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Newsletter.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>The queries behind the staff dashboard, and its overview panels and alerts. Other features add their own panels.</summary>
    public static IServiceCollection AddDashboardQueries(this IServiceCollection services)
    {
        services.AddScoped<SubscriberStatistics>();
        services.AddScoped<DigestDashboard>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IOverviewPanel, SubscriberStatistics>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IOverviewPanel, DigestOverviewPanel>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IOverviewPanel, DonationOverviewPanel>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IDashboardAlertSource, FailedJobsAlert>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IDashboardAlertSource, TemplateAlerts>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IDashboardAlertSource, StripeConfigurationAlert>());
        return services;
    }
}
