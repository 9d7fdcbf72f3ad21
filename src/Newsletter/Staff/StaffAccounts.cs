using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Web;

namespace Newsletter.Staff;

/// <summary>Creates and lists staff accounts: the first owner (setup page, CLI), editors and owners added later.</summary>
public sealed partial class StaffAccounts(UserManager<StaffUser> users, RoleManager<IdentityRole> roles, TimeProvider clock, ILogger<StaffAccounts> logger)
{
    /// <summary>The roles a staff account can have; Owner manages staff.</summary>
    public static readonly IReadOnlyList<string> Roles = [StaffRoles.Owner, StaffRoles.Editor];

    /// <summary>True once any staff account exists; until then the dashboard offers the one-time setup page.</summary>
    public Task<bool> AnyAsync(CancellationToken cancellationToken) => users.Users.AnyAsync(cancellationToken);

    /// <summary>
    /// Creates an account with <paramref name="role"/>. With no <paramref name="password"/> a random one is generated,
    /// returned once, and must be changed at the first login. Errors come back in plain words; nothing is saved then.
    /// </summary>
    public async Task<StaffCreation> CreateAsync(string email, string role, string? password, CancellationToken cancellationToken)
    {
        if (!Roles.Contains(role)) return StaffCreation.Failed($"Role must be one of: {string.Join(", ", Roles)}.");
        if (!Email.EmailAddress.TryParse(email, out var address, out var emailError)) return StaffCreation.Failed(emailError);
        if (await users.FindByEmailAsync(address!.Address) is not null) return StaffCreation.Failed("A staff account with this email already exists.");
        var generated = password is null;
        password ??= GeneratePassword();
        foreach (var name in Roles)
            if (!await roles.RoleExistsAsync(name)) await roles.CreateAsync(new IdentityRole(name));
        var user = new StaffUser
        {
            UserName = address.Address,
            Email = address.Address,
            EmailConfirmed = true,
            MustChangePassword = generated,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return StaffCreation.Failed(created.Errors.Select(e => e.Description).ToArray());
        var inRole = await users.AddToRoleAsync(user, role);
        if (!inRole.Succeeded)
        {
            await users.DeleteAsync(user);
            return StaffCreation.Failed(inRole.Errors.Select(e => e.Description).ToArray());
        }
        LogCreated(logger, user.Id, role);
        return new StaffCreation(user, generated ? password : null, []);
    }

    /// <summary>Every staff account with its role, for the owner's staff page.</summary>
    public async Task<IReadOnlyList<StaffMember>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var result = new List<StaffMember>(all.Count);
        foreach (var user in all)
        {
            var userRoles = await users.GetRolesAsync(user);
            result.Add(new StaffMember(user.Id, user.Email ?? user.UserName ?? user.Id, userRoles.FirstOrDefault() ?? "(none)",
                user.LockoutEnd > clock.GetUtcNow(), user.CreatedAt));
        }
        return result;
    }

    /// <summary>18 random bytes as base64url (24 characters, 144 bits), typed once and then replaced by the person's own.</summary>
    public static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = 5000, EventName = "StaffCreated", Level = LogLevel.Information, Message = "Staff account {UserId} created with role {Role}")]
    private static partial void LogCreated(ILogger logger, string userId, string role);
}

/// <summary>The outcome of creating a staff account: the user, the generated one-time password (if any), or the errors.</summary>
public sealed record StaffCreation(StaffUser? User, string? OneTimePassword, IReadOnlyList<string> Errors)
{
    public bool Succeeded => User is not null;

    public static StaffCreation Failed(params string[] errors) => new(null, null, errors);
}

/// <summary>A staff account as the staff page lists it.</summary>
public sealed record StaffMember(string Id, string Email, string Role, bool LockedOut, DateTime CreatedAt);
