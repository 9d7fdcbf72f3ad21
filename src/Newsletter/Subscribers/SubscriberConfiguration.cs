using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Subscribers;

internal sealed class SubscriberConfiguration : IEntityTypeConfiguration<Subscriber>
{
    public void Configure(EntityTypeBuilder<Subscriber> builder)
    {
        builder.ToTable("Subscribers");
        builder.Property(s => s.Email).HasMaxLength(320);
        builder.Property(s => s.EmailKey).HasMaxLength(320);
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Topics).HasMaxLength(500);
        builder.Property(s => s.Language).HasMaxLength(16);
        builder.Property(s => s.ConsentSource).HasMaxLength(100);
        builder.Property(s => s.ConsentIp).HasMaxLength(64);
        builder.Property(s => s.ConsentUserAgent).HasMaxLength(500);
        builder.HasIndex(s => s.EmailKey).IsUnique();
        builder.HasIndex(s => s.PublicId).IsUnique();
        // The digest audience query and the dashboard's filters.
        builder.HasIndex(s => new { s.Status, s.Frequency });
        builder.HasIndex(s => new { s.Status, s.ConsentAt });
        builder.HasIndex(s => s.Name);
        // The dashboard's 90-day growth chart (sign-ups and unsubscribes per day).
        builder.HasIndex(s => s.CreatedAt);
        builder.HasIndex(s => s.UnsubscribedAt);
    }
}

internal sealed class SubscriberEventConfiguration : IEntityTypeConfiguration<SubscriberEvent>
{
    public void Configure(EntityTypeBuilder<SubscriberEvent> builder)
    {
        builder.ToTable("SubscriberEvents");
        builder.Property(e => e.Kind).HasMaxLength(64);
        builder.Property(e => e.Detail).HasMaxLength(1000);
        builder.HasIndex(e => new { e.SubscriberId, e.At });
        // The dashboard's chart: unsubscribes and comebacks per day, one range read per kind and day.
        builder.HasIndex(e => new { e.Kind, e.At });
        builder.HasOne<Subscriber>().WithMany().HasForeignKey(e => e.SubscriberId).OnDelete(DeleteBehavior.Cascade);
    }
}
