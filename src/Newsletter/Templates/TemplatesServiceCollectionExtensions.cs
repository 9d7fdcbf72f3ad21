using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Newsletter.Templates;

public static class TemplatesServiceCollectionExtensions
{
    /// <summary>The Liquid templates (parsed at start-up; a broken one stops the host) and their folder's settings.</summary>
    public static IServiceCollection AddTemplates(this IServiceCollection services)
    {
        services.AddOptions<TemplateFolderOptions>().BindConfiguration(TemplateFolderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<TemplateFolderOptions>, TemplateFolderOptionsValidator>();
        services.AddSingleton<TemplateLibrary>();
        return services;
    }

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
