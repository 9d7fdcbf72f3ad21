using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Web;

namespace Newsletter.Donations;

/// <summary>On an endpoint or page that takes an offline-gift CSV: its body may be at most Donations:MaxImportBytes, counted as read.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class DonationImportLimitAttribute : Attribute, IBodyLimitSource
{
    public long MaxBytes(IServiceProvider services) => services.GetRequiredService<IOptions<DonationOptions>>().Value.MaxImportBytes;
}
