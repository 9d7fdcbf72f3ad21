using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Email;
using Newsletter.Jobs;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

public static class DigestsServiceCollectionExtensions
{
    /// <summary>Planning, the schedule, rendering, the sending engine (ledger, batches, fleet rate limit), recovery, the archive.</summary>
    public static IServiceCollection AddDigests(this IServiceCollection services)
    {
        services.AddOptions<DigestOptions>().BindConfiguration(DigestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DigestOptions>, DigestOptionsValidator>();
        services.AddSingleton<DigestRenderer>();
        services.AddSingleton<DigestMessageBuilder>();
        services.AddSingleton<SendRateLimiter>();
        // The relay's limits count transactional mail too (see IRelayAllowance); replaces Email's "no limit".
        services.Replace(ServiceDescriptor.Singleton<IRelayAllowance>(sp => sp.GetRequiredService<SendRateLimiter>()));
        services.AddSingleton<SendJournals>();
        services.AddEmailLane(EmailLanes.Digests, sp =>
        {
            var digests = sp.GetRequiredService<IOptions<DigestOptions>>().Value;
            return (digests.Connections, digests.ConnectionIdleTimeout);
        }, asksFirst: true);
        services.AddScoped<DigestPlanner>();
        services.AddScoped<DigestFanOut>();
        services.AddScoped<DeliveryLedger>();
        services.AddScoped<DigestBatchJob>();
        services.AddScoped<DigestScheduleJob>();
        services.AddScoped<DigestSweepJob>();
        services.AddScoped<DigestService>();
        services.AddScoped<DigestDashboard>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IOverviewPanel, DigestOverviewPanel>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ISubscriberDataParticipant, DeliveryPrivacy>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, DigestAlerts>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Workers.IWorkerClaims, DigestClaims>());
        services.AddSingleton<DigestRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, DigestRecovery>(sp => sp.GetRequiredService<DigestRecovery>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupRecovery, DigestRecovery>(sp => sp.GetRequiredService<DigestRecovery>()));
        return services;
    }
}
