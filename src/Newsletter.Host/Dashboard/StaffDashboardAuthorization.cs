using Hangfire.Dashboard;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// The Hangfire dashboard's own check: staff only. Hangfire's default lets in every local request, which behind a
/// reverse proxy on the same machine is everyone; the endpoint also requires the staff policy, so this is a second lock.
/// </summary>
public sealed class StaffDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true && (user.IsInRole(StaffRoles.Owner) || user.IsInRole(StaffRoles.Editor));
    }
}
