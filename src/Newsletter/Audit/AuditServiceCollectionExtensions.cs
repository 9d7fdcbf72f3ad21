using Microsoft.Extensions.DependencyInjection;

namespace Newsletter.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>The audit log of staff actions: the writer every feature calls, and the reader of the dashboard's page.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<AuditLog>();
        services.AddScoped<AuditTrail>();
        return services;
    }
}
