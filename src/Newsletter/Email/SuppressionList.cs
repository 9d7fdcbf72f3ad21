using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Links;

namespace Newsletter.Email;

/// <summary>
/// Addresses that must never be mailed: erased, hard-bounced, complained. Checked before every send. Only a keyed
/// hash of each address is kept (HMAC-SHA256 with a key derived from Security:SigningKey), so a copy of the database
/// and a list of candidate addresses do not tell who is on it. Rows from before the key (plain SHA-256, <c>Keyed</c>
/// false) are still matched, and re-hashed with the key the first time their address is seen again: an erased
/// person's address is known only when it comes back, so the old form cannot be converted in advance.
/// </summary>
public sealed partial class SuppressionList(NewsletterDb db, SigningKey signingKey, TimeProvider clock) : IDisposable
{
    private static readonly byte[] Label = Encoding.UTF8.GetBytes("newsletter/suppression-hash/v1");

    private readonly HmacSha256 _hmac = new(HMACSHA256.HashData(signingKey.Bytes, Label));

    /// <summary>
    /// The hash kept for an address. It lower-cases the whole address, so the list errs on the side of not mailing:
    /// John@ and john@ at the same domain are the same person in practice.
    /// </summary>
    public string HashOf(string emailKey) => Hash(_hmac, emailKey);

    public void Dispose() => _hmac.Dispose();

    public static string Hash(byte[] key, string emailKey)
    {
        using var hmac = new HmacSha256(key);
        return Hash(hmac, emailKey);
    }

    private static string Hash(HmacSha256 hmac, string emailKey)
    {
        Span<byte> mac = stackalloc byte[HmacSha256.Length];
        hmac.Compute(Encoding.UTF8.GetBytes(emailKey.ToLowerInvariant()), mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>The unkeyed form rows had before; only ever compared, never written.</summary>
    private static string LegacyHash(string emailKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(emailKey.ToLowerInvariant())));

    public async Task<bool> IsSuppressedAsync(EmailAddress address, CancellationToken cancellationToken) =>
        (await SuppressedKeysAsync([address.Key], cancellationToken)).Count > 0;

    /// <summary>
    /// How many hashes one lookup sends. They go as one array-like parameter (<c>EF.Parameter</c>: a PostgreSQL array,
    /// JSON on SQLite and SQL Server): EF Core 10 otherwise sends one SQL parameter per value, and SQL Server takes at
    /// most 2,100, so no list can outgrow a parameter limit. 500 keeps that JSON (about 34,000 characters of 64-digit
    /// hashes) and the buffers EF writes it with under 85,000 bytes, off the large object heap, which only a full
    /// collection frees: at 10,000 every digest batch's check (1,000 readers, two hashes each) made a 270 KB string,
    /// and a send to 100,000 readers held up to 10.7 MiB of them and ran 15-16 full collections and about 100 of
    /// generation 1; at 500, 0.2 MiB, 4-5 and 17-19 (two pairs of runs, 2026-12-03), for four queries a batch instead of one.
    /// </summary>
    public const int HashesPerQuery = 500;

    /// <summary>Which of these address keys are suppressed (one indexed lookup per 250); legacy rows found are re-keyed.</summary>
    public async Task<HashSet<string>> SuppressedKeysAsync(IEnumerable<string> emailKeys, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in emailKeys.Distinct().Chunk(HashesPerQuery / 2))
        {
            var byHash = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in chunk)
            {
                byHash[HashOf(key)] = key;
                byHash[LegacyHash(key)] = key;
            }
            var hashes = byHash.Keys.ToList();
            var hits = await db.Set<SuppressedAddress>().AsNoTracking().Where(s => EF.Parameter(hashes).Contains(s.AddressHash))
                .Select(s => new { s.Id, s.AddressHash, s.Keyed }).ToListAsync(cancellationToken);
            foreach (var hit in hits)
            {
                var key = byHash[hit.AddressHash];
                found.Add(key);
                if (!hit.Keyed) await RekeyAsync(hit.Id, key, cancellationToken);
            }
        }
        return found;
    }

    /// <summary>
    /// Adds the address; adding it twice keeps the first reason. Of <paramref name="detail"/> (an SMTP reply, which
    /// usually repeats the address) only the status codes are kept.
    /// </summary>
    public async Task AddAsync(EmailAddress address, SuppressionReason reason, string? detail, CancellationToken cancellationToken)
    {
        if (await IsSuppressedAsync(address, cancellationToken)) return;
        db.Add(New(address.Key, reason, SmtpCodes(detail)));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // Another worker suppressed the same address at the same moment: the unique index kept one row. Any other
            // failure goes up: the caller must not take an address for suppressed when it is not.
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Adds the address inside the caller's transaction (erasure); the caller saves.</summary>
    public async Task StageAsync(string emailKey, SuppressionReason reason, CancellationToken cancellationToken)
    {
        if ((await SuppressedKeysAsync([emailKey], cancellationToken)).Count == 0) db.Add(New(emailKey, reason, null));
    }

    /// <summary>Staff lift a suppression (e.g. a bounce that was the server's mistake).</summary>
    public Task<int> RemoveAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        var hashes = new[] { HashOf(address.Key), LegacyHash(address.Key) };
        return db.Set<SuppressedAddress>().Where(s => hashes.Contains(s.AddressHash)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>"550 5.1.1" out of "550 5.1.1 &lt;ann@example.org&gt;: Recipient address rejected", or null: no words, no address.</summary>
    public static string? SmtpCodes(string? detail)
    {
        if (string.IsNullOrEmpty(detail)) return null;
        var code = SmtpCode().Match(detail);
        if (!code.Success) return null;
        var enhanced = EnhancedCode().Match(detail);
        return enhanced.Success ? $"{code.Value} {enhanced.Value}" : code.Value;
    }

    private SuppressedAddress New(string emailKey, SuppressionReason reason, string? detail) =>
        new() { AddressHash = HashOf(emailKey), Keyed = true, Reason = reason, Detail = detail, CreatedAt = clock.GetUtcNow().UtcDateTime };

    private Task RekeyAsync(long id, string emailKey, CancellationToken cancellationToken)
    {
        var hash = HashOf(emailKey);
        return db.Set<SuppressedAddress>().Where(s => s.Id == id && !s.Keyed)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.AddressHash, hash).SetProperty(x => x.Keyed, true), cancellationToken);
    }

    [GeneratedRegex(@"\b[245]\d\d\b")]
    private static partial Regex SmtpCode();

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex EnhancedCode();
}
