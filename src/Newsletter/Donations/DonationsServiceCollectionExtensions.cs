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
    /// <summary>Checkout, the Stripe webhook inbox and its job, the ledger, receipts, statements, totals, offline gifts, campaigns, the donor's portal, unmatched payments.</summary>
    public static IServiceCollection AddDonations(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DonationOptions>().BindConfiguration(DonationOptions.Section).PostConfigure(o => o.ApplyDefaults()).ValidateDataAnnotations().ValidateOnStart();
        // Time zone, currencies (zero- and three-decimal ones right everywhere, Stripe's special cases refused), amounts.
        services.AddSingleton<IValidateOptions<DonationOptions>, DonationOptionsValidator>();
        services.AddSingleton<DonationCalendar>();
        services.AddSingleton<ReceiptWording>();
        services.AddSingleton<IStripeClient>(sp =>
        {
            var stripe = sp.GetRequiredService<IOptions<StripeOptions>>().Value;
            // Without a key nothing calls Stripe (the pages check first); the placeholder only satisfies the constructor.
            // Stripe.net's own client and retries (2, with backoff), with our timeout.
            var http = new SystemNetHttpClient(new HttpClient { Timeout = TimeSpan.FromSeconds(stripe.RequestTimeoutSeconds) }, maxNetworkRetries: 2);
            return new StripeClient(string.IsNullOrWhiteSpace(stripe.SecretKey) ? "sk_not_configured" : stripe.SecretKey,
                httpClient: http, apiBase: string.IsNullOrWhiteSpace(stripe.ApiBase) ? null : stripe.ApiBase.TrimEnd('/'));
        });
        services.AddScoped<CheckoutService>();
        services.AddScoped<StripeWebhookVerifier>();
        services.AddSingleton<StripeEventInbox>();
        services.AddHostedService(sp => sp.GetRequiredService<StripeEventInbox>());
        services.AddScoped<StripeEventApplier>();
        services.AddScoped<SubscriptionChanges>();
        services.AddScoped<ForeignSessions>();
        services.AddScoped<InvoicePaymentLookup>();
        services.AddScoped<IgnoredEventRequeue>();
        services.AddScoped<UnmatchedPayments>();
        services.AddScoped<Campaigns>();
        services.AddScoped<DonorLinks>();
        services.AddScoped<DonorLanguage>();
        services.AddScoped<DonorPortal>();
        services.AddScoped<DonorStatements>();
        services.AddScoped<DonationLedger>();
        services.AddScoped<StripeEventJob>();
        services.AddScoped<StripeEventRetention>();
        services.AddScoped<ErasedPlanCancellation>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, ErasedPlanAlert>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, StripeConfigurationAlert>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IOverviewPanel, DonationOverviewPanel>());
        services.AddScoped<DonationTotals>();
        services.AddScoped<DonationSearch>();
        services.AddScoped<DonationExport>();
        services.AddScoped<OfflineGifts>();
        services.AddScoped<AnnualStatements>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, DonationReceiptComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, DonationStatementComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, ManageLinkComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ISubscriberDataParticipant, DonationPrivacy>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ISubscriberDataParticipant, SupporterPrivacy>());
        services.AddSingleton<StripeEventRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, StripeEventRecovery>(sp => sp.GetRequiredService<StripeEventRecovery>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupRecovery, StripeEventRecovery>(sp => sp.GetRequiredService<StripeEventRecovery>()));
        return services;
    }
}
