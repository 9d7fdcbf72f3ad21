using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Email;

internal sealed class TransactionalEmailConfiguration : IEntityTypeConfiguration<TransactionalEmail>
{
    public void Configure(EntityTypeBuilder<TransactionalEmail> builder)
    {
        builder.ToTable("TransactionalEmails");
        builder.Property(e => e.Kind).HasMaxLength(64);
        builder.Property(e => e.OnceKey).HasMaxLength(128);
        builder.Property(e => e.Recipient).HasMaxLength(320);
        builder.Property(e => e.LastError).HasMaxLength(1000);
        builder.HasIndex(e => new { e.Kind, e.OnceKey }).IsUnique();
        builder.HasIndex(e => new { e.State, e.NextAttemptAt });
        builder.HasIndex(e => e.SubjectId);
    }
}
