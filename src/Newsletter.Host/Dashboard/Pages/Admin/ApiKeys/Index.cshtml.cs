using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Newsletter.ApiKeys;

namespace Newsletter.Host.Dashboard.Pages.Admin.ApiKeys;

/// <summary>
/// Owners only: API keys for scripts and the CMS. A new key is shown once (only its hash is kept); each has the scopes
/// it needs (the CMS only articles:push) and works only under /api; revoking one ends it at once.
/// </summary>
public sealed class IndexModel(ApiKeyStore keys) : StaffPage
{
    public override string Title => "API keys";

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public List<string> Scopes { get; set; } = [];

    public IReadOnlyList<ApiKey> Keys { get; private set; } = [];
    public string? NewKey { get; private set; }
    public string? NewKeyName { get; private set; }
    public string? Notice { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Keys = await keys.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var created = await keys.CreateAsync(Name, Scopes, cancellationToken);
        if (!created.Succeeded) return await InvalidAsync(created.Errors, cancellationToken);
        (NewKey, NewKeyName) = (created.Secret, created.Key!.Name);
        Name = null;
        Scopes = [];
        Keys = await keys.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken cancellationToken)
    {
        if (!await keys.RevokeAsync(id, cancellationToken)) return await InvalidAsync(["There is no such key, or it is already revoked."], cancellationToken);
        Notice = "The key is revoked: it opens nothing any more.";
        Keys = await keys.ListAsync(cancellationToken);
        return Page();
    }

    private async Task<PageResult> InvalidAsync(IReadOnlyList<string> errors, CancellationToken cancellationToken)
    {
        Errors = errors;
        Keys = await keys.ListAsync(cancellationToken);
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }
}
