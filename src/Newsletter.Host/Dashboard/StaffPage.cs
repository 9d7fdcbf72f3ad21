using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Newsletter.Host.Dashboard;

/// <summary>The base of every dashboard page: security headers, the page title, and who is logged in.</summary>
public abstract class StaffPage : PageModel
{
    /// <summary>The page's heading and the window title.</summary>
    public abstract string Title { get; }

    /// <summary>The logged-in staff member's name (their email) for the history and logs.</summary>
    public string StaffName => User.Identity?.Name ?? "staff";

    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        DashboardSetup.AddSecurityHeaders(HttpContext);
        base.OnPageHandlerExecuting(context);
    }
}
