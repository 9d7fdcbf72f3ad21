using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Newsletter.Audit;
using Newsletter.Staff;

namespace Newsletter.Host.Dashboard.Pages.Admin.Account;

/// <summary>Change your own password; required after logging in with a handed-out one-time password.</summary>
public sealed class PasswordModel(IOptions<StaffOptions> staffOptions, UserManager<StaffUser> users, SignInManager<StaffUser> signIn, AuditLog audit) : StaffPage
{
    /// <summary>The shortest password accepted, for the form's hint.</summary>
    public int MinimumPasswordLength => staffOptions.Value.MinimumPasswordLength;

    public override string Title => "Change your password";

    [BindProperty] public string? CurrentPassword { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public bool MustChange { get; private set; }
    public bool Saved { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>The field the errors are about (current, new, confirm): marked invalid and focused.</summary>
    public string? ErrorField { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return Redirect("/admin");
        MustChange = user.MustChangePassword;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return Redirect("/admin");
        MustChange = user.MustChangePassword;
        if (string.IsNullOrEmpty(NewPassword) || NewPassword != ConfirmPassword) return Invalid(["The two new passwords are not the same."], "confirm");
        var changed = await users.ChangePasswordAsync(user, CurrentPassword ?? string.Empty, NewPassword);
        if (!changed.Succeeded)
            return Invalid(changed.Errors.Select(e => e.Description).ToList(), changed.Errors.Any(e => e.Code == "PasswordMismatch") ? "current" : "new");
        user.MustChangePassword = false;
        await users.UpdateAsync(user);
        // The security stamp changed: a fresh cookie keeps this session, other sessions end.
        await signIn.RefreshSignInAsync(user);
        await audit.RecordAsync(AuditActions.PasswordChanged, user.Email);
        MustChange = false;
        Saved = true;
        return Page();
    }

    private PageResult Invalid(IReadOnlyList<string> errors, string field)
    {
        Errors = errors;
        ErrorField = field;
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }
}
