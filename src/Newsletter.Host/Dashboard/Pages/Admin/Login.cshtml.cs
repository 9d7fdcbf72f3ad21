using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Newsletter.Audit;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>Staff login. Wrong passwords count towards the lockout; the answer never says whether the account exists.</summary>
public sealed class LoginModel(SignInManager<StaffUser> signIn, StaffAccounts accounts, AuditLog audit, IOptions<StaffOptions> options) : StaffPage
{
    private static readonly string UnknownUserHash = new PasswordHasher<StaffUser>().HashPassword(new StaffUser(), Guid.NewGuid().ToString());

    public override string Title => "Log in";

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await accounts.AnyAsync(cancellationToken)) return Redirect("/admin/setup");
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = string.IsNullOrWhiteSpace(Email) ? null : await signIn.UserManager.FindByEmailAsync(Email.Trim());
        if (user is null || string.IsNullOrEmpty(Password))
        {
            // Hash anyway, so an unknown address takes as long as a wrong password and timing tells nobody who is staff.
            signIn.UserManager.PasswordHasher.VerifyHashedPassword(new StaffUser(), UnknownUserHash, Password ?? string.Empty);
            await audit.RecordAsync(AuditActions.LoginFailed, Email?.Trim(), user is null ? "no such account" : "no password");
            return Failed("The email or the password is wrong.");
        }
        var result = await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            await audit.RecordAsync(AuditActions.LoginFailed, user.Email, "locked out");
            return Failed($"Too many wrong passwords: this account is locked for {Minutes(options.Value.LockoutDuration)}. Try again later, or ask an owner.");
        }
        if (!result.Succeeded)
        {
            await audit.RecordAsync(AuditActions.LoginFailed, user.Email, "wrong password");
            return Failed("The email or the password is wrong.");
        }
        // This request is still anonymous: the new session starts with the next one.
        audit.ActAs(user.Email ?? user.Id);
        await audit.RecordAsync(AuditActions.Login, user.Email);
        if (user.MustChangePassword) return Redirect(PasswordChangeFilter.ChangePasswordPath);
        return Redirect(!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) && ReturnUrl.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? ReturnUrl : "/admin");
    }

    private PageResult Failed(string error)
    {
        Error = error;
        Password = null;
        var page = Page();
        page.StatusCode = StatusCodes.Status401Unauthorized;
        return page;
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1 ? $"{Math.Ceiling(span.TotalMinutes):0} minute(s)" : $"{Math.Ceiling(span.TotalSeconds):0} second(s)";
}
