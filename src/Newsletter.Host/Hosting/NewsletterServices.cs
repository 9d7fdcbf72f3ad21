using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Newsletter.ApiKeys;
using Newsletter.Articles;
using Newsletter.Bounces;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Localization;
using Newsletter.Observability;
using Newsletter.Host.Dashboard;
using Newsletter.Staff;
using Newsletter.Subscribers;
using Newsletter.Templates;
using Newsletter.Web;
using Newsletter.Workers;

namespace Newsletter.Host.Hosting;

/// <summary>Everything the host registers; each feature brings its own <c>AddXxx</c>.</summary>
public static class NewsletterServices
{
    public static WebApplicationBuilder AddNewsletter(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var hosting = builder.Configuration.Get<HostingOptions>() ?? new HostingOptions();
        services.AddOptions<HostingOptions>().Bind(builder.Configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HostingOptions>, HostingOptionsValidator>();

        services.AddNewsletterData(builder.Configuration);
        services.AddNewsletterObservability();
        services.AddNewsletterMetrics(builder.Configuration);
        services.AddAudit();
        services.AddLinks();
        services.AddTemplates();
        services.AddPages();
        services.AddWorkers(hosting.IsWorker);
        services.AddEmail();
        services.AddReaderLanguages();
        services.AddSubscribers();
        services.AddStaff();
        services.AddApiKeys();
        services.AddArticles();
        services.AddDigests();
        services.AddDonations();
        services.AddBounces(hosting.IsWorker);

        // Start-up work must finish before the Hangfire server (registered next) takes its first job.
        services.AddHostedService<StartupTasks>();
        // After the start-up tasks (its table must exist), before the job server: it beats before the first claim, and
        // stopping in reverse order it says "stopped" only once the last job has let go.
        services.AddHostedService<WorkerHeartbeat>();
        services.AddTemplateEditing();
        services.AddNewsletterJobs(hosting);

        // Before AddProblemDetails: the first writer that can write wins, and browsers get pages, not JSON.
        services.AddSingleton<Microsoft.AspNetCore.Http.IProblemDetailsWriter, BrowserErrorPages>();
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddHealthChecks()
            .AddDbContextCheck<NewsletterDb>("database")
            .AddCheck<JobStorageHealthCheck>("jobs");
        if (hosting.IsWeb)
        {
            services.AddNewsletterOpenApi();
            // Staff login (Identity cookie) and the API key, the staff policy, antiforgery, and the dashboard's pages.
            services.AddDashboard(builder.Configuration);
        }
        else
        {
            // A worker serves /healthz and metrics only, so it loads none of the pages' machinery (Razor Pages, MVC,
            // the login cookie, OpenAPI): 14 MiB less resident at start, measured on a PostgreSQL worker.
            services.AddWorkerAuthentication();
        }
        services.AddRateLimiter(options =>
        {
            var perMinute = builder.Configuration.GetValue("RateLimiting:PublicWritesPerMinute", 20);
            // Per client (ClientAddress.PartitionOf); a request with no client address never gets here (UseClientAddressRequired).
            options.AddPolicy(RateLimitPolicies.PublicWrites, http => RateLimitPartition.GetFixedWindowLimiter(
                ClientAddress.PartitionOf(http.Connection.RemoteIpAddress) ?? throw new InvalidOperationException("UseClientAddressRequired runs before the rate limiter."),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = "60";
                // A reader's form (ours, a blog's, the embedded one) gets a page; the API keeps problem details.
                var result = http.Request.Path.StartsWithSegments("/api")
                    ? Results.Problem(statusCode: 429, title: "Too many requests", detail: "Please wait a minute and try again.")
                    : await http.RequestServices.GetRequiredService<PageRenderer>().MessageAsync("TooMany.Title",
                        "TooMany.Message", StatusCodes.Status429TooManyRequests);
                await result.ExecuteAsync(http);
            };
        });
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Behind a reverse proxy the client's IP (for rate limiting and consent) is in X-Forwarded-For.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            var proxies = builder.Configuration.GetSection("ReverseProxy:KnownProxies").Get<string[]>() ?? [];
            // The operator's list, when there is one, is the whole truth: ASP.NET's default (this machine's loopback
            // addresses, for a proxy on the same machine) would let any other program here claim any client address.
            if (proxies.Length > 0)
            {
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
            }
            foreach (var proxy in proxies)
                options.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        });
        return builder;
    }

    public static WebApplication UseNewsletter(this WebApplication app)
    {
        var hosting = app.Services.GetRequiredService<IOptions<HostingOptions>>().Value;
        // First, so error pages, redirects and files carry them too.
        app.UseSecurityHeaders();
        app.UseForwardedHeaders();
        // The reader's language for pages and messages: ?lang=, then Accept-Language, then Site:Language.
        app.UseReaderLanguages();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/healthz");
        app.MapNewsletterMetrics();
        // A worker answers /healthz (and metrics) only: no pages, no API, no static files.
        if (!hosting.IsWeb) return app;
        // The dashboard's CSS and scripts (vendored, with their licences): public files, served before routing.
        app.UseStaticFiles();
        app.UseDashboardHttpsGuard();
        app.UseRouting();
        app.UseRequestBodyLimits();
        app.UseNulRefused();
        // Before the rate limiter: a preflight is answered here and spends none of the reader's sign-ups.
        app.UseCors();
        app.UseClientAddressRequired();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UsePasswordChangeGate();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapLandingPage();
        app.MapSubscriberApi();
        app.MapSubscriberPages();
        app.MapSignupEmbed();
        app.MapSubscriberAdminApi();
        app.MapDashboard();
        app.MapArticleApi();
        app.MapDigestAdminApi();
        app.MapOutboxAdminApi();
        app.MapArchivePages();
        app.MapDonationPages();
        app.MapDonorPages();
        app.MapStripeWebhook();
        app.MapBounceWebhooks();
        app.MapDonationAdminApi();
        return app;
    }
}
