using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Newsletter.Templates;

public static class TemplatesServiceCollectionExtensions
{
    /// <summary>
    /// Staff edits of templates kept in the database. Register it after the start-up tasks (which migrate) and before
    /// the job server, so no job renders before this process holds the edits.
    /// </summary>
    public static IServiceCollection AddTemplateEditing(this IServiceCollection services)
    {
        services.AddScoped<TemplateStore>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, TemplateAlerts>());
        services.AddHostedService<TemplateOverrideSync>();
        return services;
    }
}
