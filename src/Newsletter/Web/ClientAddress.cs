using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Newsletter.Web;

/// <summary>
/// Who a request comes from, as far as the service can know it (after <c>ReverseProxy:KnownProxies</c>), in one
/// place for the per-client limits and the dashboard's "this machine" rule. Where the address is unknown (a proxy on a
/// Unix socket that does not send X-Forwarded-For) nothing is guessed: such a request is never this machine, and a
/// write that is limited per client is refused rather than counted with every other unknown client.
/// </summary>
public static partial class ClientAddress
{
    /// <summary>Headers a proxy adds; the last two are left by ASP.NET's forwarded-headers step when it believed one.</summary>
    private static readonly string[] ProxyHeaders = ["X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Real-IP", "X-Original-For", "X-Original-Proto"];

    /// <summary>
    /// The key a per-client limit counts under: an IPv4 address, or the /64 network of an IPv6 address (one
    /// subscriber line gets a whole /64, so counting single IPv6 addresses would give one client billions of
    /// allowances). Null when the address is unknown.
    /// </summary>
    public static string? PartitionOf(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>
    /// True only for a request made on this machine itself: a loopback connection that carries no sign of a proxy.
    /// A proxy on this machine that is not believed (not in <c>ReverseProxy:KnownProxies</c>) speaks for clients
    /// elsewhere, and an unknown address is nobody's in particular: neither is this machine.
    /// </summary>
    public static bool IsThisMachine(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address) && !ProxyHeaders.Any(http.Request.Headers.ContainsKey);
    }

    /// <summary>
    /// Refuses, with 503 and a log line that says what to fix, a request to an endpoint limited per client
    /// (<see cref="RateLimitPolicies.PublicWrites"/>) whose client address is unknown. Goes after routing, before the
    /// rate limiter.
    /// </summary>
    public static IApplicationBuilder UseClientAddressRequired(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limited = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == RateLimitPolicies.PublicWrites;
        if (limited && PartitionOf(context.Connection.RemoteIpAddress) is null)
        {
            await RefuseAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>The answer to a request that needs its client's address and has none.</summary>
    public static async Task RefuseAsync(HttpContext context)
    {
        LogUnknown(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientAddress)), context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await Results.Problem(statusCode: 503, title: "Client address unknown",
            detail: "This server cannot tell which address the request comes from, so it cannot limit it per client and does not take it. " +
                    "Its operator must make the proxy send X-Forwarded-For.").ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 9510, EventName = "ClientAddressUnknown", Level = LogLevel.Warning,
        Message = "Refused {Path}: the request has no client address (a proxy on a Unix socket must send X-Forwarded-For), so it cannot be limited per client")]
    private static partial void LogUnknown(ILogger logger, string path);
}
