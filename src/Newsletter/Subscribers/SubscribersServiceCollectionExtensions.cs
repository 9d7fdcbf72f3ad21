using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Newsletter.Email;
using Newsletter.Jobs;

namespace Newsletter.Subscribers;

public static class SubscribersServiceCollectionExtensions
{
    /// <summary>The subscriber lifecycle: sign-up, confirmation, preferences, unsubscribe, import/export, erasure.</summary>
    public static IServiceCollection AddSubscribers(this IServiceCollection services)
    {
        services.AddOptions<SubscriberOptions>().BindConfiguration(SubscriberOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<SubscriptionService>();
        services.AddScoped<SuppressionList>();
        services.AddScoped<UnsubscribeTombstones>();
        services.AddScoped<SubscriberImport>();
        services.AddScoped<SubscriberExport>();
        services.AddScoped<SubscriberPrivacy>();
        services.AddScoped<UnconfirmedPurgeJob>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, ConfirmEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, AlreadySubscribedEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, GoodbyeEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, WelcomeEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, UnconfirmedPurgeSchedule>());
        return services;
    }
}
