using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Newsletter.Staff;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard.Pages.Admin.Staff;

/// <summary>
/// Owners only: the staff accounts; add one with a one-time password to hand over; change a role, unlock, reset a
/// password, remove an account (after typing its address). The rules live in <see cref="StaffAccounts"/>.
/// </summary>
public sealed class IndexModel(StaffAccounts accounts) : StaffPage
{
    public override string Title => "Staff";

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string Role { get; set; } = StaffRoles.Editor;

    public IReadOnlyList<StaffMember> Members { get; private set; } = [];
    public string? OneTimePassword { get; private set; }
    public string? CreatedEmail { get; private set; }
    public string? ResetEmail { get; private set; }
    public string? Notice { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>The logged-in owner's own account id (null for the API key), so the page does not offer the refused actions.</summary>
    public string? MyId => accounts.AccountIdOf(User);

    public async Task OnGetAsync(CancellationToken cancellationToken) => Members = await accounts.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var created = await accounts.CreateAsync(Email ?? string.Empty, Role, password: null, cancellationToken);
        if (!created.Succeeded) return await InvalidAsync(created.Errors, cancellationToken);
        OneTimePassword = created.OneTimePassword;
        CreatedEmail = created.User!.Email;
        Email = null;
        Members = await accounts.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRoleAsync(string? id, string? newRole, CancellationToken cancellationToken) =>
        await ShowAsync(await accounts.ChangeRoleAsync(id ?? string.Empty, newRole ?? string.Empty, MyId, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostUnlockAsync(string? id, CancellationToken cancellationToken) =>
        await ShowAsync(await accounts.UnlockAsync(id ?? string.Empty, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostResetAsync(string? id, CancellationToken cancellationToken) =>
        await ShowAsync(await accounts.ResetPasswordAsync(id ?? string.Empty, MyId, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostRemoveAsync(string? id, string? confirmEmail, CancellationToken cancellationToken) =>
        await ShowAsync(await accounts.RemoveAsync(id ?? string.Empty, confirmEmail, MyId, cancellationToken), cancellationToken);

    private async Task<IActionResult> ShowAsync(StaffChange change, CancellationToken cancellationToken)
    {
        if (!change.Succeeded) return await InvalidAsync(change.Errors, cancellationToken);
        Notice = change.Message;
        if (change.OneTimePassword is not null) (OneTimePassword, ResetEmail) = (change.OneTimePassword, change.Email);
        Members = await accounts.ListAsync(cancellationToken);
        return Page();
    }

    private async Task<PageResult> InvalidAsync(IReadOnlyList<string> errors, CancellationToken cancellationToken)
    {
        Errors = errors;
        Members = await accounts.ListAsync(cancellationToken);
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }
}
