using System.Net;
using Microsoft.Extensions.Options;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// The dashboard (/admin, the jobs dashboard included) only over HTTPS, or from this machine. Passwords and the login
/// cookie then never cross a network in clear, and the cookie is marked Secure on every request that can carry it.
/// </summary>
public static class DashboardHttpsGuard
{
    public static IApplicationBuilder UseDashboardHttpsGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
            && !context.Request.IsHttps
            && context.RequestServices.GetRequiredService<IOptions<StaffOptions>>().Value.RequireHttps
            && !IsLoopback(context.Connection.RemoteIpAddress))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "HTTPS required",
                detail: "The staff dashboard is only served over HTTPS. Behind a reverse proxy, forward X-Forwarded-Proto and list the proxy in ReverseProxy:KnownProxies.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    // TestServer has no remote address; it is in-process, so as local as it gets.
    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}
