using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Subscribers;

/// <summary>
/// "This address unsubscribed": a keyed hash (the suppression list's) and when. Unlike the subscriber row it outlives
/// any deletion of that row, so an import never subscribes the address again; only the owner confirming a new sign-up
/// (or resubscribing from their signed link) removes it. It does not stop a sign-up with double opt-in.
/// </summary>
public sealed class UnsubscribeTombstone
{
    public required string AddressHash { get; set; }

    public DateTime UnsubscribedAt { get; set; }
}

internal sealed class UnsubscribeTombstoneConfiguration : IEntityTypeConfiguration<UnsubscribeTombstone>
{
    public void Configure(EntityTypeBuilder<UnsubscribeTombstone> builder)
    {
        builder.ToTable("UnsubscribeTombstones");
        builder.HasKey(t => t.AddressHash);
        builder.Property(t => t.AddressHash).HasMaxLength(64);
    }
}
