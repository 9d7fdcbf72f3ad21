namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>Shown when a logged-in editor opens an owner's page.</summary>
public sealed class DeniedModel : StaffPage
{
    public override string Title => "Not allowed";

    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
