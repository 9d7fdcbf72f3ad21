using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>
/// First run (as Ghost does it, plus a token): while no staff account exists, whoever has the setup token (start-up
/// log, <c>{DataDirectory}/setup-token</c>) creates the owner with a password of their choosing. Only one setup can
/// ever succeed (<see cref="StaffAccounts.CreateFirstOwnerAsync"/>); once the owner exists this page is gone. There
/// is never a default password.
/// </summary>
public sealed class SetupModel(IOptions<StaffOptions> staffOptions, StaffAccounts accounts, SetupToken token, FirstRunSetup firstRun, SignInManager<StaffUser> signIn) : StaffPage
{
    /// <summary>The shortest password accepted, for the form's hint.</summary>
    public int MinimumPasswordLength => staffOptions.Value.MinimumPasswordLength;

    /// <summary>Where the operator finds the token, for the form's hint.</summary>
    public string TokenPath => firstRun.TokenPath;

    public override string Title => "Welcome: create the owner account";

    [BindProperty] public string? SetupToken { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>The field the errors are about (setup-token, email, password, confirm): marked invalid and focused.</summary>
    public string? ErrorField { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await accounts.AnyAsync(cancellationToken) ? Redirect(StaffAuthentication.LoginPath) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await accounts.AnyAsync(cancellationToken)) return Redirect(StaffAuthentication.LoginPath);
        if (!token.Matches(SetupToken))
            return Invalid(["The setup token is not right. It is in the service's start-up log and in the file " + TokenPath + " on the server."], "setup-token", StatusCodes.Status403Forbidden);
        if (string.IsNullOrEmpty(Password) || Password != ConfirmPassword) return Invalid(["The two passwords are not the same."], "confirm");
        var created = await accounts.CreateFirstOwnerAsync(Email ?? string.Empty, Password, cancellationToken);
        if (!created.Succeeded) return Invalid(created.Errors, created.Errors.Any(e => e.Contains("mail", StringComparison.OrdinalIgnoreCase)) ? "email" : "password", created.Errors.Contains(StaffAccounts.SetupDone) ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest);
        firstRun.Forget();
        await signIn.SignInAsync(created.User!, isPersistent: false);
        return Redirect("/admin");
    }

    private PageResult Invalid(IReadOnlyList<string> errors, string field, int status = StatusCodes.Status400BadRequest)
    {
        Errors = errors;
        ErrorField = field;
        Password = ConfirmPassword = null;
        var page = Page();
        page.StatusCode = status;
        return page;
    }
}
