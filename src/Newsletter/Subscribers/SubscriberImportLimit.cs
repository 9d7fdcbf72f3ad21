using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Web;

namespace Newsletter.Subscribers;

/// <summary>On an endpoint or page that takes a subscriber CSV: its body may be at most Subscribers:MaxImportBytes, counted as read.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class SubscriberImportLimitAttribute : Attribute, IBodyLimitSource
{
    public long MaxBytes(IServiceProvider services) => services.GetRequiredService<IOptions<SubscriberOptions>>().Value.MaxImportBytes;
}
