using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.ApiKeys;

/// <summary>
/// A named key for scripts and the CMS, with the scopes it may use under /api. Only a hash of the key is kept; the key
/// itself is shown once, when an owner creates it. Revoking is for good.
/// </summary>
public sealed class ApiKey
{
    public long Id { get; set; }

    /// <summary>What the key is for, in the owner's words ("CMS", "backup script").</summary>
    public required string Name { get; set; }

    /// <summary>The key's public part (also in the key itself), to find its row and to tell keys apart on the page.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 (hex) of the whole key. Keys are 256 random bits, so a plain hash is enough to keep them safe at rest.</summary>
    public required string SecretHash { get; set; }

    /// <summary>Granted scopes, sorted, comma-separated (see <see cref="ApiScopes"/>).</summary>
    public required string Scopes { get; set; }

    public DateTime CreatedAt { get; set; }
    public string? CreatedBy { get; set; }

    /// <summary>When the key last opened a request (updated at most once a minute).</summary>
    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("ApiKeys");
        builder.Property(k => k.Name).HasMaxLength(ApiKeyStore.MaxNameLength);
        builder.Property(k => k.Prefix).HasMaxLength(32);
        builder.Property(k => k.SecretHash).HasMaxLength(64);
        builder.Property(k => k.Scopes).HasMaxLength(200);
        builder.Property(k => k.CreatedBy).HasMaxLength(256);
        builder.Property(k => k.RevokedBy).HasMaxLength(256);
        builder.HasIndex(k => k.Prefix).IsUnique();
    }
}
