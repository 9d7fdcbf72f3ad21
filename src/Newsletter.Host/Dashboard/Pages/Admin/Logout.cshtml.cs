using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>Logs out (POST only, with the antiforgery token, so a link elsewhere cannot log staff out).</summary>
public sealed class LogoutModel(SignInManager<StaffUser> signIn) : StaffPage
{
    public override string Title => "Log out";

    public IActionResult OnGet() => Redirect("/admin");

    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        return Redirect(StaffAuthentication.LoginPath);
    }
}
