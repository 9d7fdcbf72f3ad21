using Microsoft.AspNetCore.Mvc;
using Newsletter.Staff;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard.Pages.Admin.Staff;

/// <summary>Owners only: the staff accounts, and adding one with a one-time password to hand over.</summary>
public sealed class IndexModel(StaffAccounts accounts) : StaffPage
{
    public override string Title => "Staff";

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string Role { get; set; } = StaffRoles.Editor;

    public IReadOnlyList<StaffMember> Members { get; private set; } = [];
    public string? OneTimePassword { get; private set; }
    public string? CreatedEmail { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Members = await accounts.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var created = await accounts.CreateAsync(Email ?? string.Empty, Role, password: null, cancellationToken);
        Members = await accounts.ListAsync(cancellationToken);
        if (!created.Succeeded)
        {
            Errors = created.Errors;
            var page = Page();
            page.StatusCode = StatusCodes.Status400BadRequest;
            return page;
        }
        OneTimePassword = created.OneTimePassword;
        CreatedEmail = created.User!.Email;
        Email = null;
        return Page();
    }
}
