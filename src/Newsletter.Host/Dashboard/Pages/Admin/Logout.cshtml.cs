using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Newsletter.Audit;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>Logs out (POST only, with the antiforgery token, so a link elsewhere cannot log staff out).</summary>
public sealed class LogoutModel(SignInManager<StaffUser> signIn, AuditLog audit) : StaffPage
{
    public override string Title => "Log out";

    public IActionResult OnGet() => Redirect("/admin");

    public async Task<IActionResult> OnPostAsync()
    {
        await audit.RecordAsync(AuditActions.Logout);
        await signIn.SignOutAsync();
        return Redirect(StaffAuthentication.LoginPath);
    }
}
