using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Jobs;
using Newsletter.Links;
using Newsletter.Templates;
using Newsletter.Web;

namespace Newsletter.Email;

public static class EmailServiceCollectionExtensions
{
    /// <summary>Templates, links, message building, the configured transport and the transactional outbox.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddOptions<DkimOptions>().BindConfiguration(DkimOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>();
        services.AddOptions<TransactionalEmailOptions>().BindConfiguration(TransactionalEmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SigningKeyOptions>().BindConfiguration(SigningKeyOptions.Section);
        services.AddOptions<TemplateFolderOptions>().BindConfiguration(TemplateFolderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SigningKey>();
        services.AddSingleton<LinkTokens>();
        services.AddSingleton<Links.Links>();
        services.AddSingleton<TemplateLibrary>();
        services.AddSingleton<EmailRenderer>();
        services.AddSingleton<PageRenderer>();
        services.AddSingleton<MessageFactory>();
        services.AddSingleton<PickupFolderTransport>();
        services.AddSingleton<SmtpTransport>();
        services.AddSingleton<IEmailTransport>(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.Transport == EmailTransportKind.Smtp
            ? sp.GetRequiredService<SmtpTransport>()
            : sp.GetRequiredService<PickupFolderTransport>());
        // The one send layer: sessions (two lanes), DKIM, outcome classification; digests and the outbox both use it.
        services.AddSingleton<MessageSigner>();
        services.AddEmailLane(EmailLanes.Transactional, sp =>
        {
            var outbox = sp.GetRequiredService<IOptions<TransactionalEmailOptions>>().Value;
            return (outbox.Connections, outbox.ConnectionIdleTimeout);
        });
        services.AddScoped<TransactionalEmailJob>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, OutboxAlerts>());
        services.AddSingleton<TransactionalEmailRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, TransactionalEmailRecovery>(sp => sp.GetRequiredService<TransactionalEmailRecovery>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupRecovery, TransactionalEmailRecovery>(sp => sp.GetRequiredService<TransactionalEmailRecovery>()));
        return services;
    }
}
