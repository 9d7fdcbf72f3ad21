using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Web;

namespace Newsletter.Staff;

/// <summary>
/// Creates, lists and manages staff accounts: the first owner (setup page, CLI), editors and owners added later; an
/// owner changes roles, unlocks, resets passwords and removes accounts, but never removes or demotes themselves or
/// the last owner.
/// </summary>
public sealed partial class StaffAccounts(UserManager<StaffUser> users, RoleManager<IdentityRole> roles, NewsletterDb db, AuditLog audit, TimeProvider clock, ILogger<StaffAccounts> logger)
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
        var created = await CreateUnauditedAsync(email, role, password, cancellationToken);
        if (created.Succeeded)
            await audit.RecordAsync(AuditActions.StaffCreated, created.User!.Email, role + (created.OneTimePassword is null ? "" : ", one-time password"), cancellationToken);
        return created;
    }

    /// <summary>The creation itself; the audit entry is the caller's, written after any transaction it runs in.</summary>
    private async Task<StaffCreation> CreateUnauditedAsync(string email, string role, string? password, CancellationToken cancellationToken)
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

    /// <summary>
    /// First-run setup: creates the first owner, once. In one transaction it inserts the single <see cref="FirstOwnerClaim"/>
    /// row (a fixed primary key), checks that no staff account exists, and creates the account; of two setups at once
    /// the second fails on that key (it waits for the first transaction, then finds the row) and creates nothing. A
    /// refused password rolls the claim back, so setup stays open.
    /// </summary>
    public async Task<StaffCreation> CreateFirstOwnerAsync(string email, string password, CancellationToken cancellationToken)
    {
        try
        {
            var created = await db.InTransactionAsync(async token =>
            {
                db.Add(new FirstOwnerClaim { ClaimedAt = clock.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(token);
                if (await users.Users.AnyAsync(token)) throw new RefusedCreation(StaffCreation.Failed(SetupDone));
                var result = await CreateUnauditedAsync(email, StaffRoles.Owner, password, token);
                if (!result.Succeeded) throw new RefusedCreation(result);
                return result;
            }, cancellationToken);
            await audit.RecordAsync(AuditActions.Setup, created.User!.Email, "first owner", cancellationToken);
            return created;
        }
        catch (RefusedCreation refused)
        {
            db.ChangeTracker.Clear();
            return refused.Result;
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // The claim's key was taken by a setup that committed first (any other failure is not "setup done").
            db.ChangeTracker.Clear();
            return StaffCreation.Failed(SetupDone);
        }
    }

    /// <summary>What a setup that came second is told.</summary>
    public const string SetupDone = "The owner account has already been created. Log in, or ask the owner for an account.";

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

    /// <summary>The account id of a logged-in staff member; null for the API key, which is no account.</summary>
    public string? AccountIdOf(ClaimsPrincipal principal) => users.GetUserId(principal);

    /// <summary>
    /// Gives <paramref name="id"/> the role <paramref name="role"/>. Their open sessions keep going and pick the new role
    /// up at the next session check (Staff:SessionRecheckInterval). Refused for demoting yourself or the last owner.
    /// </summary>
    public Task<StaffChange> ChangeRoleAsync(string id, string role, string? actingId, CancellationToken cancellationToken)
    {
        if (!Roles.Contains(role)) return Task.FromResult(StaffChange.Failed($"Role must be one of: {string.Join(", ", Roles)}."));
        return ManageAsync(AuditActions.RoleChanged, role, id, async user =>
        {
            var current = await users.GetRolesAsync(user);
            if (current.Count == 1 && current[0] == role) return StaffChange.Done(user, $"{user.Email} is already {role}.");
            if (current.Contains(StaffRoles.Owner) && role != StaffRoles.Owner)
            {
                if (user.Id == actingId) return StaffChange.Failed("You cannot demote yourself: ask another owner.");
                if (await IsLastOwnerAsync(user)) return StaffChange.Failed($"{user.Email} is the last owner: make another account an Owner first.");
            }
            var removed = await users.RemoveFromRolesAsync(user, current);
            if (!removed.Succeeded) return StaffChange.Failed(removed);
            var added = await users.AddToRoleAsync(user, role);
            if (!added.Succeeded) return StaffChange.Failed(added);
            LogRoleChanged(logger, user.Id, role);
            return StaffChange.Done(user, $"{user.Email} is now {role}.");
        }, cancellationToken);
    }

    /// <summary>Ends a lockout after too many wrong passwords, and forgets the failures counted so far.</summary>
    public Task<StaffChange> UnlockAsync(string id, CancellationToken cancellationToken) => ManageAsync(AuditActions.Unlocked, null, id, async user =>
    {
        var ended = await users.SetLockoutEndDateAsync(user, null);
        if (!ended.Succeeded) return StaffChange.Failed(ended);
        await users.ResetAccessFailedCountAsync(user);
        LogUnlocked(logger, user.Id);
        return StaffChange.Done(user, $"{user.Email} is unlocked and can log in again.");
    }, cancellationToken);

    /// <summary>
    /// Replaces the password with a generated one-time password (returned once, to hand over), which must be changed at
    /// the next login; also unlocks the account and ends its sessions. Your own password you change yourself.
    /// </summary>
    public Task<StaffChange> ResetPasswordAsync(string id, string? actingId, CancellationToken cancellationToken)
    {
        var password = GeneratePassword();
        return ManageAsync(AuditActions.PasswordReset, "one-time password", id, async user =>
        {
            if (user.Id == actingId) return StaffChange.Failed("Change your own password on the \"Change your password\" page.");
            if (await users.HasPasswordAsync(user))
            {
                var removed = await users.RemovePasswordAsync(user);
                if (!removed.Succeeded) return StaffChange.Failed(removed);
            }
            var added = await users.AddPasswordAsync(user, password);
            if (!added.Succeeded) return StaffChange.Failed(added);
            user.MustChangePassword = true;
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;
            var updated = await users.UpdateAsync(user);
            if (!updated.Succeeded) return StaffChange.Failed(updated);
            LogPasswordReset(logger, user.Id);
            return StaffChange.Done(user, $"{user.Email} has a new one-time password.") with { OneTimePassword = password };
        }, cancellationToken);
    }

    /// <summary>
    /// Deletes the account for good once <paramref name="confirmEmail"/> repeats its address. Refused for your own
    /// account and the last owner.
    /// </summary>
    public Task<StaffChange> RemoveAsync(string id, string? confirmEmail, string? actingId, CancellationToken cancellationToken) => ManageAsync(AuditActions.StaffRemoved, null, id, async user =>
    {
        if (!string.Equals(confirmEmail?.Trim(), user.Email, StringComparison.OrdinalIgnoreCase))
            return StaffChange.Failed("To remove an account, type its email address exactly.");
        if (user.Id == actingId) return StaffChange.Failed("You cannot remove your own account: ask another owner.");
        if (await users.IsInRoleAsync(user, StaffRoles.Owner) && await IsLastOwnerAsync(user))
            return StaffChange.Failed($"{user.Email} is the last owner: make another account an Owner first.");
        var deleted = await users.DeleteAsync(user);
        if (!deleted.Succeeded) return StaffChange.Failed(deleted);
        LogRemoved(logger, user.Id);
        return StaffChange.Done(user, $"{user.Email} was removed.");
    }, cancellationToken);

    /// <summary>
    /// Runs one change in a transaction that first locks the Owner role's row, so two owners demoting or removing each
    /// other at once cannot both pass the last-owner check: at READ COMMITTED (PostgreSQL, SQL Server) each would still
    /// count the other as an owner; after the lock the second sees what the first committed. (On SQLite BEGIN
    /// IMMEDIATE serialises them anyway.) A refused change throws inside to roll back whatever it did. A change that
    /// happened is written to the audit log as <paramref name="action"/>.
    /// </summary>
    private async Task<StaffChange> ManageAsync(string action, string? detail, string id, Func<StaffUser, Task<StaffChange>> change, CancellationToken cancellationToken)
    {
        try
        {
            var done = await db.InTransactionAsync(async token =>
            {
                var owner = roles.NormalizeKey(StaffRoles.Owner);
                await db.Set<IdentityRole>().Where(r => r.NormalizedName == owner)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.ConcurrencyStamp, r => r.ConcurrencyStamp), token);
                var user = string.IsNullOrEmpty(id) ? null : await users.FindByIdAsync(id);
                if (user is null) return StaffChange.Failed("There is no such staff account (maybe it was just removed).");
                var result = await change(user);
                if (!result.Succeeded) throw new RefusedChange(result);
                return result;
            }, cancellationToken);
            await audit.RecordAsync(action, done.Email, detail, cancellationToken);
            return done;
        }
        catch (RefusedChange refused)
        {
            db.ChangeTracker.Clear();
            return refused.Result;
        }
    }

    private async Task<bool> IsLastOwnerAsync(StaffUser user) =>
        (await users.GetUsersInRoleAsync(StaffRoles.Owner)).All(owner => owner.Id == user.Id);

    private sealed class RefusedChange(StaffChange result) : Exception(string.Join("; ", result.Errors))
    {
        public StaffChange Result { get; } = result;
    }

    private sealed class RefusedCreation(StaffCreation result) : Exception(string.Join("; ", result.Errors))
    {
        public StaffCreation Result { get; } = result;
    }

    /// <summary>18 random bytes as base64url (24 characters, 144 bits), typed once and then replaced by the person's own.</summary>
    public static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = 9000, EventName = "StaffCreated", Level = LogLevel.Information, Message = "Staff account {UserId} created with role {Role}")]
    private static partial void LogCreated(ILogger logger, string userId, string role);

    [LoggerMessage(EventId = 9101, EventName = "StaffRoleChanged", Level = LogLevel.Information, Message = "Staff account {UserId} now has role {Role}")]
    private static partial void LogRoleChanged(ILogger logger, string userId, string role);

    [LoggerMessage(EventId = 9102, EventName = "StaffUnlocked", Level = LogLevel.Information, Message = "Staff account {UserId} unlocked")]
    private static partial void LogUnlocked(ILogger logger, string userId);

    [LoggerMessage(EventId = 9103, EventName = "StaffPasswordReset", Level = LogLevel.Information, Message = "Staff account {UserId} got a one-time password")]
    private static partial void LogPasswordReset(ILogger logger, string userId);

    [LoggerMessage(EventId = 9104, EventName = "StaffRemoved", Level = LogLevel.Information, Message = "Staff account {UserId} removed")]
    private static partial void LogRemoved(ILogger logger, string userId);
}

/// <summary>The outcome of creating a staff account: the user, the generated one-time password (if any), or the errors.</summary>
public sealed record StaffCreation(StaffUser? User, string? OneTimePassword, IReadOnlyList<string> Errors)
{
    public bool Succeeded => User is not null;

    public static StaffCreation Failed(params string[] errors) => new(null, null, errors);
}

/// <summary>A staff account as the staff page lists it.</summary>
public sealed record StaffMember(string Id, string Email, string Role, bool LockedOut, DateTime CreatedAt);

/// <summary>The outcome of managing a staff account: a message for the page, or the errors; a reset's one-time password.</summary>
public sealed record StaffChange(string? Email, string? Message, string? OneTimePassword, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;

    public static StaffChange Done(StaffUser user, string message) => new(user.Email, message, null, []);

    public static StaffChange Failed(params string[] errors) => new(null, null, null, errors);

    public static StaffChange Failed(IdentityResult result) => Failed(result.Errors.Select(e => e.Description).ToArray());
}
