using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Newsletter.Staff;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// Who is staff: people log into the dashboard (Identity cookie), scripts send the API key. One policy scheme picks
/// the right one per request, so <see cref="StaffRoles.StaffPolicy"/> accepts both and a browser without a login is
/// sent to the login page while an API client gets 401.
/// </summary>
public static class StaffAuthentication
{
    /// <summary>The default scheme: forwards to the API key handler when a key is presented, else to the login cookie.</summary>
    public const string SchemeName = "Staff";

    /// <summary>Only owners manage staff accounts.</summary>
    public const string OwnerPolicy = "Owner";

    public const string LoginPath = "/admin/login";

    /// <summary>The authentication property that holds when the password was entered.</summary>
    private const string SignedInItem = ".signed-in";

    public static IServiceCollection AddStaffAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = SchemeName;
                options.DefaultChallengeScheme = SchemeName;
            })
            // A key is looked at only under /api (and the metrics scrape); anywhere else (the dashboard, the jobs) only the login counts.
            .AddPolicyScheme(SchemeName, "Staff login or API key", options => options.ForwardDefaultSelector = context =>
                StaffApiKeyAuthentication.Covers(context.Request) && StaffApiKeyAuthentication.Presents(context.Request)
                    ? StaffApiKeyAuthentication.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddApiKey()
            .AddIdentityCookies();
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).Configure<IOptions<StaffOptions>>((cookie, staff) =>
        {
            cookie.LoginPath = LoginPath;
            cookie.LogoutPath = "/admin/logout";
            cookie.AccessDeniedPath = "/admin/denied";
            cookie.ExpireTimeSpan = staff.Value.SessionLifetime;
            cookie.SlidingExpiration = true;
            cookie.Cookie.Name = "newsletter-staff";
            // Only the dashboard needs it. Secure whenever the request is HTTPS, which is every request but a loopback
            // one (see DashboardHttpsGuard): `dotnet run` on http://localhost still works.
            cookie.Cookie.Path = "/admin";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // An absolute limit on top of the sliding one: the sign-in time travels in the ticket's properties, which
            // sliding renewals, security-stamp refreshes and the password change's re-sign-in all keep.
            cookie.Events.OnSigningIn = context =>
            {
                context.Properties.Items.TryAdd(SignedInItem, context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToString("O"));
                return Task.CompletedTask;
            };
            var validateStamp = cookie.Events.OnValidatePrincipal;
            cookie.Events.OnValidatePrincipal = async context =>
            {
                var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                if (!context.Properties.Items.TryGetValue(SignedInItem, out var at) || !DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var signedIn)
                    || now - signedIn > staff.Value.AbsoluteSessionLifetime)
                {
                    // Too old, or from before the limit existed: log in again.
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }
                await validateStamp(context);
            };
            cookie.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
        });
        // Role changes, resets and removals by an owner reach open sessions soon, not after Identity's default 30 minutes.
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<StaffOptions>>((stamp, staff) => stamp.ValidationInterval = staff.Value.SessionRecheckInterval);
        services.AddAuthorizationBuilder()
            .AddPolicy(StaffRoles.StaffPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Owner, StaffRoles.Editor))
            .AddPolicy(OwnerPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRoles.Owner));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "newsletter-antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        return services;
    }

    /// <summary>
    /// A worker's authentication (Roles=worker): the API key only. Its one guarded endpoint is the metrics scrape when
    /// it shares the service's port; the login cookie, antiforgery and the dashboard's pages stay out of the process.
    /// </summary>
    public static IServiceCollection AddWorkerAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(StaffApiKeyAuthentication.SchemeName).AddApiKey();
        return services;
    }

    private static AuthenticationBuilder AddApiKey(this AuthenticationBuilder builder) =>
        builder.AddScheme<StaffApiKeyOptions, StaffApiKeyAuthentication>(StaffApiKeyAuthentication.SchemeName, _ => { });

    /// <summary>Pages redirect to the login; anything else (the JSON API, htmx requests) gets the status code.</summary>
    private static Task Answer(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/admin") && !context.Request.Headers.ContainsKey("HX-Request"))
            context.Response.Redirect(context.RedirectUri);
        else
            context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
