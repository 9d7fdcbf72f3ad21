using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Newsletter.Links;

public static class LinksServiceCollectionExtensions
{
    /// <summary>The site's settings, the signing key (checked at start-up) and the signed links every email and page carries.</summary>
    public static IServiceCollection AddLinks(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SigningKeyOptions>().BindConfiguration(SigningKeyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SigningKeyOptions>, SigningKeyOptionsValidator>();
        services.AddSingleton<SigningKey>();
        services.AddSingleton<LinkTokens>();
        services.AddSingleton<SiteLinks>();
        return services;
    }
}
