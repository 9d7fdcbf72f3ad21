using Microsoft.AspNetCore.Identity;

namespace Newsletter.Staff;

/// <summary>A person who runs the newsletter from the dashboard (ASP.NET Core Identity user; role Owner or Editor).</summary>
public sealed class StaffUser : IdentityUser
{
    /// <summary>Set when the password was handed out (CLI or an owner adding staff): the next login must choose a new one.</summary>
    public bool MustChangePassword { get; set; }

    public DateTime CreatedAt { get; set; }
}
