using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

internal sealed class DonationConfiguration : IEntityTypeConfiguration<Donation>
{
    public void Configure(EntityTypeBuilder<Donation> builder)
    {
        builder.ToTable("Donations");
        builder.Property(d => d.Source).HasMaxLength(40);
        builder.Property(d => d.Currency).HasMaxLength(3);
        builder.Property(d => d.DonorName).HasMaxLength(200);
        builder.Property(d => d.DonorEmail).HasMaxLength(320);
        builder.Property(d => d.DonorEmailKey).HasMaxLength(320);
        builder.Property(d => d.Message).HasMaxLength(255);
        builder.Property(d => d.StripeCheckoutSessionId).HasMaxLength(255);
        builder.Property(d => d.StripePaymentIntentId).HasMaxLength(255);
        builder.Property(d => d.StripeInvoiceId).HasMaxLength(255);
        builder.Property(d => d.OfflineReference).HasMaxLength(200);
        builder.Property(d => d.StripeCustomerId).HasMaxLength(255);
        builder.Property(d => d.Version).IsConcurrencyToken();
        // Money is recorded once: each Stripe id and each offline source+reference names at most one donation.
        builder.HasIndex(d => d.StripeCheckoutSessionId).IsUnique();
        builder.HasIndex(d => d.StripePaymentIntentId).IsUnique();
        builder.HasIndex(d => d.StripeInvoiceId).IsUnique();
        builder.HasIndex(d => new { d.Source, d.OfflineReference }).IsUnique();
        // The dashboard's filters and totals.
        builder.HasIndex(d => new { d.Outcome, d.PaidAt });
        builder.HasIndex(d => d.DonorEmailKey);
        builder.HasIndex(d => d.RecurringPlanId);
        builder.HasIndex(d => new { d.CampaignId, d.PaidAt });
        builder.HasIndex(d => d.StripeCustomerId);
        builder.HasOne<Campaign>().WithMany().HasForeignKey(d => d.CampaignId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Subscriber>().WithMany().HasForeignKey(d => d.SubscriberId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<RecurringPlan>().WithMany().HasForeignKey(d => d.RecurringPlanId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RecurringPlanConfiguration : IEntityTypeConfiguration<RecurringPlan>
{
    public void Configure(EntityTypeBuilder<RecurringPlan> builder)
    {
        builder.ToTable("RecurringPlans");
        builder.Property(p => p.StripeSubscriptionId).HasMaxLength(255);
        builder.Property(p => p.Currency).HasMaxLength(3);
        builder.Property(p => p.Interval).HasMaxLength(10);
        builder.Property(p => p.DonorName).HasMaxLength(200);
        builder.Property(p => p.DonorEmail).HasMaxLength(320);
        builder.Property(p => p.DonorEmailKey).HasMaxLength(320);
        builder.Property(p => p.StripeCustomerId).HasMaxLength(255);
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.Property(p => p.CancelError).HasMaxLength(1000);
        builder.HasIndex(p => p.StripeSubscriptionId).IsUnique();
        builder.HasIndex(p => p.StripeCustomerId);
        builder.HasOne<Campaign>().WithMany().HasForeignKey(p => p.CampaignId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(p => p.Status);
        builder.HasIndex(p => p.DonorEmailKey);
        builder.HasOne<Subscriber>().WithMany().HasForeignKey(p => p.SubscriberId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class DonationCheckoutConfiguration : IEntityTypeConfiguration<DonationCheckout>
{
    public void Configure(EntityTypeBuilder<DonationCheckout> builder)
    {
        builder.ToTable("DonationCheckouts");
        builder.Property(c => c.Currency).HasMaxLength(3);
        builder.Property(c => c.Interval).HasMaxLength(10);
        builder.Property(c => c.DonorName).HasMaxLength(200);
        builder.Property(c => c.DonorEmail).HasMaxLength(320);
        builder.Property(c => c.DonorEmailKey).HasMaxLength(320);
        builder.Property(c => c.Message).HasMaxLength(255);
        builder.Property(c => c.StripeCheckoutSessionId).HasMaxLength(255);
        builder.HasIndex(c => c.PublicId).IsUnique();
        builder.HasIndex(c => c.DonorEmailKey);
        builder.HasOne<Campaign>().WithMany().HasForeignKey(c => c.CampaignId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class StripeWebhookEventConfiguration : IEntityTypeConfiguration<StripeWebhookEvent>
{
    public void Configure(EntityTypeBuilder<StripeWebhookEvent> builder)
    {
        builder.ToTable("StripeWebhookEvents");
        builder.Property(e => e.EventId).HasMaxLength(255);
        builder.Property(e => e.Type).HasMaxLength(100);
        builder.Property(e => e.Note).HasMaxLength(1000);
        builder.HasIndex(e => e.EventId).IsUnique();
        builder.HasIndex(e => new { e.State, e.NextAttemptAt });
        // The retention sweep: oldest first.
        builder.HasIndex(e => e.ReceivedAt);
    }
}

internal sealed class StripePaymentFactsConfiguration : IEntityTypeConfiguration<StripePaymentFacts>
{
    public void Configure(EntityTypeBuilder<StripePaymentFacts> builder)
    {
        builder.ToTable("StripePaymentFacts");
        builder.Property(f => f.PaymentIntentId).HasMaxLength(255);
        builder.Property(f => f.Version).IsConcurrencyToken();
        builder.HasIndex(f => f.PaymentIntentId).IsUnique();
    }
}
