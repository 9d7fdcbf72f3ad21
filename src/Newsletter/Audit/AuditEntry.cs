using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Audit;

/// <summary>
/// One staff action (or one seen from Stripe): who, what, when, from where. Rows are only ever added: the application
/// never changes or deletes one, and the database refuses it too (<see cref="AuditTriggers"/>).
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    /// <summary>When it happened (UTC).</summary>
    public DateTime At { get; set; }

    /// <summary>Who: a staff email, "api-key:{name}", "cli", "stripe", "system", or "anonymous" (failed logins).</summary>
    public required string Actor { get; set; }

    /// <summary>What, as a stable name (see <see cref="AuditActions"/>).</summary>
    public required string Action { get; set; }

    /// <summary>What it was done to: a staff account, a subscriber id, a template, an issue, a key name.</summary>
    public string? Target { get; set; }

    /// <summary>A few words more: counts, the new role, the reason a login failed. Never a password or a key.</summary>
    public string? Detail { get; set; }

    /// <summary>From where: the client's address as the service saw it (after trusted proxies).</summary>
    public string? IpAddress { get; set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable(AuditTriggers.Table);
        builder.Property(e => e.Actor).HasMaxLength(AuditLog.MaxActorLength);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.Target).HasMaxLength(AuditLog.MaxTargetLength);
        builder.Property(e => e.Detail).HasMaxLength(AuditLog.MaxDetailLength);
        builder.Property(e => e.IpAddress).HasMaxLength(64);
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => new { e.Actor, e.At });
        builder.HasIndex(e => new { e.Action, e.At });
    }
}
