using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Staff;

/// <summary>
/// The row that makes first-run setup happen once: its key is always <see cref="TheOnlyId"/>, so of two setups at the
/// same instant only one can insert it. Under READ COMMITTED (PostgreSQL, SQL Server) the second INSERT waits for the
/// first transaction and then fails on the primary key; on SQLite the write transactions are serialised anyway. Both
/// transactions could see "no staff yet" (the other's account is not committed); neither can pass this key.
/// </summary>
public sealed class FirstOwnerClaim
{
    public const int TheOnlyId = 1;

    public int Id { get; set; } = TheOnlyId;

    public DateTime ClaimedAt { get; set; }
}

internal sealed class FirstOwnerClaimConfiguration : IEntityTypeConfiguration<FirstOwnerClaim>
{
    public void Configure(EntityTypeBuilder<FirstOwnerClaim> builder)
    {
        builder.ToTable("FirstOwnerClaims");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
    }
}
