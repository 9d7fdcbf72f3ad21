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

    /// <summary>
    /// Every refusal (no such account, wrong password, locked out) gets the same words and status and costs the same
    /// work: one password hash verified and one audit entry written, so neither the answer nor its timing tells who
    /// is staff or whose account is locked.
    /// </summary>
    public async Task<IActionResult> OnPostAsync()
    {
        var users = signIn.UserManager;
        var user = string.IsNullOrWhiteSpace(Email) ? null : await users.FindByEmailAsync(Email.Trim());
        if (user is null || string.IsNullOrEmpty(Password))
        {
            users.PasswordHasher.VerifyHashedPassword(new StaffUser(), UnknownUserHash, Password ?? string.Empty);
            return await RefusedAsync(Email?.Trim(), user is null ? "no such account" : "no password");
        }
        if (await users.IsLockedOutAsync(user))
        {
            // Identity answers a locked account without looking at the password: look anyway, and ignore the result.
            users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash ?? UnknownUserHash, Password);
            return await RefusedAsync(user.Email, "locked out");
        }
        var result = await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true);
        if (!result.Succeeded) return await RefusedAsync(user.Email, result.IsLockedOut ? "wrong password; now locked out" : "wrong password");
        // This request is still anonymous: the new session starts with the next one.
        audit.ActAs(user.Email ?? user.Id);
        await audit.RecordAsync(AuditActions.Login, user.Email);
        if (user.MustChangePassword) return Redirect(PasswordChangeGate.ChangePasswordPath);
        return Redirect(!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) && ReturnUrl.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? ReturnUrl : "/admin");
    }

    /// <summary>The one answer to a refused login.</summary>
    public string RefusedMessage =>
        $"The email or the password is wrong. After {options.Value.MaxFailedAccessAttempts} wrong passwords in a row an account is locked for {Minutes(options.Value.LockoutDuration)}; an owner can unlock it sooner.";

    private async Task<PageResult> RefusedAsync(string? email, string why)
    {
        await audit.RecordAsync(AuditActions.LoginFailed, email, why);
        return Failed(RefusedMessage);
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
