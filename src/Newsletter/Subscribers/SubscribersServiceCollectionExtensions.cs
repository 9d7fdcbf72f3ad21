using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
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
        // Blogs on Subscribers:AllowedOrigins may call the sign-up API from their own pages; nobody else gets CORS headers.
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<SubscriberOptions>>((cors, subscribers) =>
            cors.AddPolicy(SubscriberApi.CorsPolicy, policy => policy
                .WithOrigins([.. SignupOrigins.Of(subscribers.Value)])
                .WithMethods(HttpMethods.Post)
                .WithHeaders(HeaderNames.ContentType)
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        services.AddScoped<SuppressionList>();
        services.AddScoped<UnsubscribeTombstones>();
        services.AddScoped<SubscriberImport>();
        services.AddScoped<SubscriberExport>();
        services.AddScoped<SubscriberPrivacy>();
        services.AddScoped<SubscriberDirectory>();
        services.AddScoped<SubscriberStatistics>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IOverviewPanel, SubscriberStatistics>());
        services.AddScoped<UnconfirmedPurgeJob>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, ConfirmEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, AlreadySubscribedEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, GoodbyeEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITransactionalEmailComposer, WelcomeEmailComposer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, UnconfirmedPurgeSchedule>());
        return services;
    }
}
