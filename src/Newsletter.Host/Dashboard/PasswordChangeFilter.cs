using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Filters;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// A staff member whose password was handed out (CLI, an owner) must choose their own before doing anything else.
/// </summary>
public sealed class PasswordChangeFilter(UserManager<StaffUser> users) : IAsyncPageFilter
{
    public const string ChangePasswordPath = "/admin/account/password";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme
            && !http.Request.Path.StartsWithSegments(ChangePasswordPath, StringComparison.OrdinalIgnoreCase)
            && !http.Request.Path.StartsWithSegments("/admin/logout", StringComparison.OrdinalIgnoreCase)
            && await users.GetUserAsync(http.User) is { MustChangePassword: true })
        {
            context.Result = new Microsoft.AspNetCore.Mvc.RedirectResult(ChangePasswordPath);
            return;
        }
        await next();
    }
}
