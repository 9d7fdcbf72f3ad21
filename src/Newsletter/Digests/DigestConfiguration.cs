using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Newsletter.Articles;

namespace Newsletter.Digests;

internal sealed class DigestIssueConfiguration : IEntityTypeConfiguration<DigestIssue>
{
    public void Configure(EntityTypeBuilder<DigestIssue> builder)
    {
        builder.ToTable("DigestIssues");
        builder.Property(i => i.Key).HasMaxLength(100);
        builder.Property(i => i.Subject).HasMaxLength(300);
        builder.Property(i => i.Topics).HasMaxLength(1000);
        builder.Property(i => i.PausedReason).HasMaxLength(1000);
        builder.Property(i => i.PausedBy).HasMaxLength(Audit.AuditLog.MaxActorLength);
        builder.Property(i => i.CancelledBy).HasMaxLength(Audit.AuditLog.MaxActorLength);
        builder.Ignore(i => i.Public);
        builder.HasIndex(i => i.Key).IsUnique();
        builder.HasIndex(i => new { i.Frequency, i.Id });
        builder.HasIndex(i => i.State);
    }
}

internal sealed class DigestIssueArticleConfiguration : IEntityTypeConfiguration<DigestIssueArticle>
{
    public void Configure(EntityTypeBuilder<DigestIssueArticle> builder)
    {
        builder.ToTable("DigestIssueArticles");
        builder.HasKey(a => new { a.IssueId, a.ArticleId });
        builder.HasOne<DigestIssue>().WithMany().HasForeignKey(a => a.IssueId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Article>().WithMany().HasForeignKey(a => a.ArticleId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> builder)
    {
        builder.ToTable("Deliveries");
        builder.Property(d => d.Error).HasMaxLength(1000);
        // One row per reader per issue, whatever races; also the fan-out's guard.
        builder.HasIndex(d => new { d.IssueId, d.SubscriberId }).IsUnique();
        // Progress counts and "anything left?" read only this index.
        builder.HasIndex(d => new { d.IssueId, d.State });
        builder.HasIndex(d => d.ClaimToken);
        builder.HasIndex(d => d.SubscriberId);
        builder.HasOne<DigestIssue>().WithMany().HasForeignKey(d => d.IssueId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SendRateBucketConfiguration : IEntityTypeConfiguration<SendRateBucket>
{
    public void Configure(EntityTypeBuilder<SendRateBucket> builder)
    {
        builder.ToTable("SendRateBuckets");
        builder.HasKey(b => b.Scope);
        builder.Property(b => b.Scope).HasMaxLength(50);
    }
}

internal sealed class SendRateSliceConfiguration : IEntityTypeConfiguration<SendRateSlice>
{
    public void Configure(EntityTypeBuilder<SendRateSlice> builder)
    {
        builder.ToTable("SendRateSlices");
        builder.HasKey(s => new { s.Scope, s.Start });
        builder.Property(s => s.Scope).HasMaxLength(50);
    }
}

internal sealed class DigestBatchLeaseConfiguration : IEntityTypeConfiguration<DigestBatchLease>
{
    public void Configure(EntityTypeBuilder<DigestBatchLease> builder)
    {
        builder.ToTable("DigestBatchLeases");
        builder.HasKey(l => new { l.IssueId, l.FromId });
        builder.HasOne<DigestIssue>().WithMany().HasForeignKey(l => l.IssueId).OnDelete(DeleteBehavior.Cascade);
    }
}
