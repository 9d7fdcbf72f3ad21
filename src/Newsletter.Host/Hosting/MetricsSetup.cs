using Microsoft.Extensions.Options;
using Newsletter.Observability;
using Newsletter.Web;
using OpenTelemetry.Metrics;

namespace Newsletter.Host.Hosting;

/// <summary>
/// OpenTelemetry metrics for Prometheus, behind <c>Metrics:Enabled</c>: our own <see cref="NewsletterMetrics"/> plus the
/// meters .NET and Npgsql already publish (requests, Kestrel connections, database connections and commands, GC and
/// thread pool). Scraped on <c>Metrics:Port</c> (a listener of its own, in every role) or, without a port, on the
/// service's own port for an API key with the admin:read scope.
/// </summary>
public static class MetricsSetup
{
    private static readonly string[] PlatformMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics", "Npgsql", "System.Runtime"];

    public static IServiceCollection AddNewsletterMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var metrics = configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (!metrics.Enabled) return services;
        services.AddOpenTelemetry().WithMetrics(builder =>
        {
            builder.AddMeter(NewsletterMetrics.MeterName).AddMeter(PlatformMeters);
            if (metrics.Port is { } port)
                builder.AddPrometheusHttpListener(listener =>
                {
                    listener.Port = port;
                    listener.ScrapeEndpointPath = metrics.Path;
                    // Every address, whatever Host header the scraper sends (the option itself only takes a host name).
                    listener.ConfigureHttpListener = (_, http) =>
                    {
                        http.Prefixes.Clear();
                        http.Prefixes.Add($"http://*:{port}/");
                    };
                });
            else
                builder.AddPrometheusExporter(exporter => exporter.ScrapeEndpointPath = metrics.Path);
        });
        return services;
    }

    /// <summary>Without a port of its own, the scrape endpoint sits on the service's port behind an API key with admin:read.</summary>
    public static WebApplication MapNewsletterMetrics(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        // Our meter exists once its singleton does; made at start, the queue gauge is in the first scrape, not only
        // after this process's first job or request (an idle worker's scrape had no newsletter_jobs at all). Once
        // started, not while the app is built: it takes the job storage, which Hangfire's configuration (logging
        // included) must have set up first.
        if (metrics.Enabled) app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<NewsletterMetrics>());
        if (metrics.Enabled && metrics.Port is null)
            app.MapPrometheusScrapingEndpoint(metrics.Path).RequireAuthorization(Newsletter.ApiKeys.ApiScopes.AdminPolicy);
        return app;
    }
}
