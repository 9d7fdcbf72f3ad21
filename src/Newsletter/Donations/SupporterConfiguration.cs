using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Donations;

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.ToTable("Campaigns");
        builder.Property(c => c.Slug).HasMaxLength(60);
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.Currency).HasMaxLength(3);
        builder.Property(c => c.ThankYouText).HasMaxLength(CampaignInput.MaxThankYouLength);
        builder.HasIndex(c => c.Slug).IsUnique();
    }
}

internal sealed class UnmatchedStripePaymentConfiguration : IEntityTypeConfiguration<UnmatchedStripePayment>
{
    public void Configure(EntityTypeBuilder<UnmatchedStripePayment> builder)
    {
        builder.ToTable("UnmatchedStripePayments");
        builder.Property(u => u.CheckoutSessionId).HasMaxLength(255);
        builder.Property(u => u.PaymentLinkId).HasMaxLength(255);
        builder.Property(u => u.PaymentIntentId).HasMaxLength(255);
        builder.Property(u => u.SubscriptionId).HasMaxLength(255);
        builder.Property(u => u.Mode).HasMaxLength(20);
        builder.Property(u => u.Currency).HasMaxLength(3);
        builder.Property(u => u.PayerName).HasMaxLength(200);
        builder.Property(u => u.PayerEmail).HasMaxLength(320);
        builder.Property(u => u.PayerEmailKey).HasMaxLength(320);
        builder.Property(u => u.DecidedBy).HasMaxLength(200);
        builder.Property(u => u.Version).IsConcurrencyToken();
        builder.HasIndex(u => u.CheckoutSessionId).IsUnique();
        builder.HasIndex(u => new { u.State, u.StripeCreatedAt });
        builder.HasIndex(u => u.PayerEmailKey);
    }
}

internal sealed class DonorAccessConfiguration : IEntityTypeConfiguration<DonorAccess>
{
    public void Configure(EntityTypeBuilder<DonorAccess> builder)
    {
        builder.ToTable("DonorAccess");
        builder.Property(a => a.EmailKey).HasMaxLength(320);
        builder.HasIndex(a => a.PublicId).IsUnique();
        builder.HasIndex(a => a.EmailKey).IsUnique();
    }
}
