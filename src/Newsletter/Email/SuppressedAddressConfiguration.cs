using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Email;

internal sealed class SuppressedAddressConfiguration : IEntityTypeConfiguration<SuppressedAddress>
{
    public void Configure(EntityTypeBuilder<SuppressedAddress> builder)
    {
        builder.ToTable("SuppressedAddresses");
        builder.Property(s => s.AddressHash).HasMaxLength(64);
        builder.Property(s => s.Detail).HasMaxLength(1000);
        builder.HasIndex(s => s.AddressHash).IsUnique();
        // Rows from before the key are unkeyed; the migration adds the column as false for them.
        builder.Property(s => s.Keyed).HasDefaultValue(false);
    }
}
