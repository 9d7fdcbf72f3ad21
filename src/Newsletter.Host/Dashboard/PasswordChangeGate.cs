using Microsoft.AspNetCore.Identity;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// A staff member whose password was handed out (CLI, an owner) must choose their own before doing anything else,
/// anywhere under /admin: the pages and the jobs dashboard alike (a page filter would not see the jobs dashboard).
/// </summary>
public static class PasswordChangeGate
{
    public const string ChangePasswordPath = "/admin/account/password";

    /// <summary>What stays open before the change: the change itself, leaving, and the pages with no login.</summary>
    private static readonly string[] Open = [ChangePasswordPath, "/admin/logout", "/admin/login", "/admin/setup", "/admin/denied"];

    /// <summary>After authentication: needs the login, decides before any endpoint (page or jobs dashboard) runs.</summary>
    public static IApplicationBuilder UsePasswordChangeGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
            && !Open.Any(open => path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase))
            && context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme
            && await context.RequestServices.GetRequiredService<UserManager<StaffUser>>().GetUserAsync(context.User) is { MustChangePassword: true })
        {
            if (context.Request.Headers.ContainsKey("HX-Request")) context.Response.StatusCode = StatusCodes.Status403Forbidden;
            else context.Response.Redirect(ChangePasswordPath);
            return;
        }
        await next(context);
    });
}
