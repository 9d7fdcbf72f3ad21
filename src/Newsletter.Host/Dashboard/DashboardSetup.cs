using Hangfire;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// The staff dashboard: Razor Pages under /admin (in this project, the composition root, because the pages only glue
/// services together and need no separate package), staff login, and the Hangfire dashboard at /admin/jobs.
/// </summary>
public static class DashboardSetup
{
    public const string JobsPath = "/admin/jobs";

    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStaffAuthentication(configuration);
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Dashboard/Pages";
            options.Conventions.AuthorizeFolder("/Admin", StaffRoles.StaffPolicy);
            options.Conventions.AllowAnonymousToPage("/Admin/Login");
            options.Conventions.AllowAnonymousToPage("/Admin/Setup");
            // Anonymous pages that check secrets: the same per-address limit as the public forms.
            foreach (var page in new[] { "/Admin/Login", "/Admin/Setup" })
                options.Conventions.AddPageApplicationModelConvention(page, model => model.EndpointMetadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(RateLimitPolicies.PublicWrites)));
            options.Conventions.AuthorizeFolder("/Admin/Staff", StaffAuthentication.OwnerPolicy);
            options.Conventions.AuthorizeFolder("/Admin/Audit", StaffAuthentication.OwnerPolicy);
            options.Conventions.AuthorizeFolder("/Admin/ApiKeys", StaffAuthentication.OwnerPolicy);
        }).AddMvcOptions(options => options.Filters.Add(new UnknownHandlerFilter()));
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapHangfireDashboard(JobsPath, new DashboardOptions
        {
            Authorization = [new StaffDashboardAuthorization()],
            AppPath = "/admin",
            DashboardTitle = "Newsletter jobs",
            DisplayStorageConnectionString = false,
        // No storage argument: Hangfire then takes our JobStorage from DI, after applying its configuration (logging
        // included), never the static JobStorage.Current.
        }).RequireAuthorization(StaffRoles.StaffPolicy);
        return app;
    }

    /// <summary>Security headers for the dashboard's own pages: no framing, scripts and styles only from this site.</summary>
    public static void AddSecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
    }
}
