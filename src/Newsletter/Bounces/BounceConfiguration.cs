using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Newsletter.Subscribers;

namespace Newsletter.Bounces;

internal sealed class InboundMessageConfiguration : IEntityTypeConfiguration<InboundMessage>
{
    public void Configure(EntityTypeBuilder<InboundMessage> builder)
    {
        builder.ToTable("InboundMessages");
        builder.Property(m => m.Key).HasMaxLength(300);
        builder.Property(m => m.Note).HasMaxLength(1000);
        builder.HasIndex(m => m.Key).IsUnique();
        builder.HasIndex(m => new { m.Outcome, m.ReceivedAt });
    }
}

internal sealed class BounceEventConfiguration : IEntityTypeConfiguration<BounceEvent>
{
    public void Configure(EntityTypeBuilder<BounceEvent> builder)
    {
        builder.ToTable("BounceEvents");
        builder.Property(e => e.AddressHash).HasMaxLength(64);
        builder.Property(e => e.Status).HasMaxLength(32);
        builder.Property(e => e.Diagnostic).HasMaxLength(1000);
        builder.Property(e => e.RemoteMta).HasMaxLength(255);
        builder.Property(e => e.Effect).HasMaxLength(200);
        // Soft bounces per address within the window; the dashboard's newest events; a reader's history.
        builder.HasIndex(e => new { e.AddressHash, e.Kind, e.At });
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => e.SubscriberId);
        builder.HasOne<InboundMessage>().WithMany().HasForeignKey(e => e.InboundMessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Subscriber>().WithMany().HasForeignKey(e => e.SubscriberId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class MailboxLeaseConfiguration : IEntityTypeConfiguration<MailboxLease>
{
    public void Configure(EntityTypeBuilder<MailboxLease> builder)
    {
        builder.ToTable("MailboxLeases");
        builder.HasKey(l => l.Name);
        builder.Property(l => l.Name).HasMaxLength(64);
        builder.Property(l => l.Holder).HasMaxLength(200);
        builder.Property(l => l.LastError).HasMaxLength(1000);
    }
}
