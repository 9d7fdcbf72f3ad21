using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Email;
using Newsletter.Jobs;
using Newsletter.Subscribers;
using Stripe;

namespace Newsletter.Donations;

public static class DonationsServiceCollectionExtensions
{
    /// <summary>Checkout, the Stripe webhook inbox and its job, the ledger, receipts, statements, totals, offline gifts.</summary>
    public static IServiceCollection AddDonations(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DonationOptions>().BindConfiguration(DonationOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.MinAmount <= o.MaxAmount, "Donations:MinAmount must not be above Donations:MaxAmount.")
            .Validate(o => o.Currencies.All(c => c.Length == 3 && c.All(char.IsAsciiLetter)), "Donations:Currencies must be three-letter codes like usd.")
            .Validate(o => o.PresetAmounts.All(p => p >= o.MinAmount && p <= o.MaxAmount), "Donations:PresetAmounts must lie between MinAmount and MaxAmount.")
            .ValidateOnStart();
        services.AddSingleton<IStripeClient>(sp =>
        {
            var stripe = sp.GetRequiredService<IOptions<StripeOptions>>().Value;
            // Without a key nothing calls Stripe (the pages check first); the placeholder only satisfies the constructor.
            return new StripeClient(string.IsNullOrWhiteSpace(stripe.SecretKey) ? "sk_not_configured" : stripe.SecretKey,
                apiBase: string.IsNullOrWhiteSpace(stripe.ApiBase) ? null : stripe.ApiBase.TrimEnd('/'));
        });
        services.AddScoped<CheckoutService>();
        services.AddScoped<StripeWebhookInbox>();
        services.AddSingleton<WebhookInboxWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookInboxWriter>());
        services.AddScoped<StripeEventApplier>();
        services.AddScoped<DonationLedger>();
        services.AddScoped<StripeEventJob>();
        services.AddScoped<StripeEventRetention>();
        services.AddScoped<ErasedPlanCancellation>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, ErasedPlanAlert>());
        services.AddScoped<DonationTotals>();
        services.AddScoped<DonationExport>();
        services.AddScoped<OfflineGifts>();
        services.AddScoped<AnnualStatements>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, DonationReceiptComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, DonationStatementComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ISubscriberDataParticipant, DonationPrivacy>());
        services.AddSingleton<StripeEventRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, StripeEventRecovery>(sp => sp.GetRequiredService<StripeEventRecovery>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupRecovery, StripeEventRecovery>(sp => sp.GetRequiredService<StripeEventRecovery>()));
        return services;
    }
}
