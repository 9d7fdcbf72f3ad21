using Microsoft.Extensions.DependencyInjection;

namespace Newsletter.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>The reader's pages as the templates render them (also the error and 429 pages); needs AddTemplates and AddLinks.</summary>
    public static IServiceCollection AddPages(this IServiceCollection services)
    {
        services.AddSingleton<PageRenderer>();
        return services;
    }
}
