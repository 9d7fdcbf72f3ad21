using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Newsletter.Audit;
using Newsletter.Data;

namespace Newsletter.ApiKeys;

/// <summary>
/// Creates, lists, revokes and checks named API keys. A key reads <c>nlk_{prefix}_{secret}</c>: the prefix finds its
/// row, the SHA-256 of the whole key must match in constant time, and a revoked key matches nothing.
/// </summary>
public sealed class ApiKeyStore(NewsletterDb db, AuditLog audit, TimeProvider clock)
{
    public const int MaxNameLength = 100;
    private const string Marker = "nlk_";

    /// <summary>Every key, newest first, revoked ones included (the page shows their history).</summary>
    public Task<List<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        db.Set<ApiKey>().AsNoTracking().OrderByDescending(k => k.Id).ToListAsync(cancellationToken);

    /// <summary>Makes a key with <paramref name="scopes"/>; the key is returned once and only its hash is stored.</summary>
    public async Task<ApiKeyCreation> CreateAsync(string? name, IEnumerable<string> scopes, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0) errors.Add("Give the key a name that says what it is for.");
        else if (trimmed.Length > MaxNameLength || Email.HeaderText.ContainsControlCharacters(trimmed)) errors.Add($"The name must be at most {MaxNameLength} characters, without control characters.");
        var granted = scopes.Select(s => s?.Trim() ?? string.Empty).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        if (granted.Count == 0) errors.Add("Choose at least one scope.");
        if (granted.Any(s => !ApiScopes.All.Contains(s))) errors.Add("Scopes are " + string.Join(", ", ApiScopes.All) + ".");
        if (errors.Count > 0) return new ApiKeyCreation(null, null, errors);

        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var key = $"{Marker}{prefix}_{WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32))}";
        var row = new ApiKey
        {
            Name = trimmed, Prefix = prefix, SecretHash = Hash(key), Scopes = string.Join(',', granted),
            CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedBy = audit.Actor,
        };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(AuditActions.ApiKeyCreated, $"{row.Name} ({row.Prefix})", row.Scopes, cancellationToken);
        return new ApiKeyCreation(row, key, []);
    }

    /// <summary>Revokes a key for good; false when there is no such key or it was already revoked.</summary>
    public async Task<bool> RevokeAsync(long id, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var actor = audit.Actor;
        var revoked = await db.Set<ApiKey>().Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now).SetProperty(k => k.RevokedBy, actor), cancellationToken) == 1;
        if (revoked)
        {
            var key = await db.Set<ApiKey>().AsNoTracking().SingleAsync(k => k.Id == id, cancellationToken);
            await audit.RecordAsync(AuditActions.ApiKeyRevoked, $"{key.Name} ({key.Prefix})", null, cancellationToken);
        }
        return revoked;
    }

    /// <summary>The live key <paramref name="presented"/> is, or null. Marks it used (at most once a minute).</summary>
    public async Task<ApiKey?> FindAsync(string presented, CancellationToken cancellationToken)
    {
        if (!presented.StartsWith(Marker, StringComparison.Ordinal) || presented.Length > 200) return null;
        var end = presented.IndexOf('_', Marker.Length);
        if (end < 0) return null;
        var prefix = presented[Marker.Length..end];
        var key = await db.Set<ApiKey>().AsNoTracking().SingleOrDefaultAsync(k => k.Prefix == prefix && k.RevokedAt == null, cancellationToken);
        if (key is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(presented)), Encoding.ASCII.GetBytes(key.SecretHash))) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var stale = now.AddMinutes(-1);
        await db.Set<ApiKey>().Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt < stale))
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        return key;
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>A new key (shown once) and its row, or why it was refused.</summary>
public sealed record ApiKeyCreation(ApiKey? Key, string? Secret, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Key is not null;
}
