using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Links;

namespace Newsletter.Localization;

public static class LocalizationServiceCollectionExtensions
{
    /// <summary>The reader texts (.NET resources through IStringLocalizer).</summary>
    public static IServiceCollection AddReaderLanguages(this IServiceCollection services)
    {
        services.AddLocalization();
        services.AddSingleton<ReaderText>();
        return services;
    }

    /// <summary>
    /// ASP.NET Core's request localization, for the texts only: the UI culture of a request is one of the reader
    /// languages (<c>?lang=</c>, then <c>Accept-Language</c>, then <c>Site:Language</c>). The formatting culture is left
    /// as the process has it, so nothing else a request does (amounts, the dashboard) changes with the visitor's browser.
    /// </summary>
    public static IApplicationBuilder UseReaderLanguages(this IApplicationBuilder app)
    {
        var site = app.ApplicationServices.GetRequiredService<IOptions<SiteOptions>>().Value;
        var formatting = CultureInfo.CurrentCulture;
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(formatting, ReaderLanguages.Culture(site.Language)),
            SupportedCultures = [formatting],
            SupportedUICultures = ReaderLanguages.Supported.Select(l => CultureInfo.GetCultureInfo(l.Code)).ToList(),
            FallBackToParentUICultures = true,
            ApplyCurrentCultureToResponseHeaders = false,
        };
        options.RequestCultureProviders =
        [
            new QueryStringRequestCultureProvider { QueryStringKey = ReaderLanguages.QueryKey, UIQueryStringKey = ReaderLanguages.QueryKey },
            new AcceptLanguageHeaderRequestCultureProvider(),
        ];
        return app.UseRequestLocalization(options);
    }
}
