using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Jobs;
using Newsletter.Templates;

namespace Newsletter.Email;

public static class EmailServiceCollectionExtensions
{
    /// <summary>
    /// Email only: message building, the configured transport, the send layer and the transactional outbox. It needs
    /// <see cref="Links.LinksServiceCollectionExtensions.AddLinks"/> and <see cref="TemplatesServiceCollectionExtensions.AddTemplates"/>.
    /// </summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddOptions<DkimOptions>().BindConfiguration(DkimOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>();
        services.AddOptions<TransactionalEmailOptions>().BindConfiguration(TransactionalEmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EmailRenderer>();
        services.AddSingleton<MessageFactory>();
        services.AddSingleton<PickupFolderTransport>();
        services.AddSingleton<SmtpTransport>();
        services.AddSingleton<IEmailTransport>(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.Transport == EmailTransportKind.Smtp
            ? sp.GetRequiredService<SmtpTransport>()
            : sp.GetRequiredService<PickupFolderTransport>());
        // The one send layer: sessions (two lanes), DKIM, outcome classification; digests and the outbox both use it.
        services.AddSingleton<MessageSigner>();
        // Digests put their fleet limiter here (AddDigests); without them no relay limit is configured.
        services.TryAddSingleton<IRelayAllowance, NoRelayLimit>();
        services.AddEmailLane(EmailLanes.Transactional, sp =>
        {
            var outbox = sp.GetRequiredService<IOptions<TransactionalEmailOptions>>().Value;
            return (outbox.Connections, outbox.ConnectionIdleTimeout);
        });
        services.AddScoped<TransactionalEmailJob>();
        services.AddScoped<TransactionalOutbox>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, OutboxAlerts>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Workers.IWorkerClaims, OutboxClaims>());
        services.AddSingleton<TransactionalEmailRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, TransactionalEmailRecovery>(sp => sp.GetRequiredService<TransactionalEmailRecovery>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupRecovery, TransactionalEmailRecovery>(sp => sp.GetRequiredService<TransactionalEmailRecovery>()));
        return services;
    }
}
