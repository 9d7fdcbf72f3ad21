using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Newsletter.Observability;

public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The service's own metrics (<see cref="NewsletterMetrics"/>); the host decides whether they are exported.</summary>
    public static IServiceCollection AddNewsletterObservability(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<NewsletterMetrics>();
        return services;
    }
}
