using Microsoft.Extensions.Options;
using Newsletter.Staff;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// The dashboard (/admin, the jobs dashboard included) only over HTTPS, or from this machine. Passwords and the login
/// cookie then never cross a network in clear, and the cookie is marked Secure on every request that can carry it.
/// "This machine" is <see cref="ClientAddress.IsThisMachine"/>: a loopback connection with no proxy in between; a
/// request with no client address (a Unix socket) or forwarded by a proxy that is not believed is not.
/// </summary>
public static class DashboardHttpsGuard
{
    public static IApplicationBuilder UseDashboardHttpsGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
            && !context.Request.IsHttps
            && context.RequestServices.GetRequiredService<IOptions<StaffOptions>>().Value.RequireHttps
            && !ClientAddress.IsThisMachine(context))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "HTTPS required",
                detail: "The staff dashboard is only served over HTTPS. Behind a reverse proxy, forward X-Forwarded-Proto and list the proxy in ReverseProxy:KnownProxies.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
