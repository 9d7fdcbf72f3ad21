using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Subscribers;

namespace Newsletter.Bounces;

public static class BouncesServiceCollectionExtensions
{
    /// <summary>VERP addresses and Message-IDs, the policy, the mailbox scanner (worker role) and the provider webhooks.</summary>
    public static IServiceCollection AddBounces(this IServiceCollection services, bool isWorker)
    {
        services.AddOptions<BounceOptions>().BindConfiguration(BounceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BounceOptions>, BounceOptionsValidator>();
        services.AddSingleton<BounceAddresses>();
        services.AddSingleton<BounceMatcher>();
        services.AddSingleton<SnsMessageVerifier>();
        services.AddHttpClient(SnsMessageVerifier.HttpClientName);
        services.AddScoped<BouncePolicy>();
        services.AddScoped<MailboxLeases>();
        services.AddScoped<BounceStatistics>();
        services.AddSingleton<MailboxReader>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ISubscriberDataParticipant, BouncePrivacy>());
        if (isWorker) services.AddHostedService<MailboxScanner>();
        return services;
    }
}
