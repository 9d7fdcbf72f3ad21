using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Newsletter.Staff;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>
/// First run (as Ghost does it): while no staff account exists, whoever opens the dashboard creates the owner with a
/// password of their choosing. Once one exists this page is gone. There is never a default password.
/// </summary>
public sealed class SetupModel(IOptions<StaffOptions> staffOptions, StaffAccounts accounts, SignInManager<StaffUser> signIn) : StaffPage
{
    /// <summary>The shortest password accepted, for the form's hint.</summary>
    public int MinimumPasswordLength => staffOptions.Value.MinimumPasswordLength;

    public override string Title => "Welcome: create the owner account";

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await accounts.AnyAsync(cancellationToken) ? Redirect(StaffAuthentication.LoginPath) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await accounts.AnyAsync(cancellationToken)) return Redirect(StaffAuthentication.LoginPath);
        if (string.IsNullOrEmpty(Password) || Password != ConfirmPassword) return Invalid(["The two passwords are not the same."]);
        var created = await accounts.CreateAsync(Email ?? string.Empty, StaffRoles.Owner, Password, cancellationToken);
        if (!created.Succeeded) return Invalid(created.Errors);
        await signIn.SignInAsync(created.User!, isPersistent: false);
        return Redirect("/admin");
    }

    private PageResult Invalid(IReadOnlyList<string> errors)
    {
        Errors = errors;
        Password = ConfirmPassword = null;
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }
}
