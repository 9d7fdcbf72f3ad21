using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Newsletter.Tests.Support;

/// <summary>
/// The whole service on real Kestrel, listening on every IPv4 address of this machine at a free port, so a test can
/// reach it from two kinds of client over real sockets: this machine (127.0.0.1, loopback) and a client the host sees
/// as another machine (the machine's own non-loopback address, e.g. eth0's). TestServer has no socket and no client
/// address, so whatever depends on the client's IP (the dashboard's HTTPS rule, per-client rate limits,
/// X-Forwarded-For from known proxies only) can only be seen here.
/// </summary>
public class KestrelApp : NewsletterApp
{
    public KestrelApp() => UseKestrel(options => options.Listen(IPAddress.Any, 0));

    /// <summary>The port Kestrel picked.</summary>
    public int Port { get; private set; }

    /// <summary>A non-loopback IPv4 address of this machine: a connection to it comes from it, and is not local to the host's eyes.</summary>
    public IPAddress NetworkAddress => _networkAddress.Value;

    private readonly Lazy<IPAddress> _networkAddress = new(FindNetworkAddress);

    public override Task InitializeAsync()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        return Task.CompletedTask;
    }

    /// <summary>A client on this machine: connects to 127.0.0.1, so the host sees a loopback client.</summary>
    public HttpClient LocalClient() => ClientTo(IPAddress.Loopback);

    /// <summary>A client the host sees as another machine: connects to <see cref="NetworkAddress"/>, which is then also its source address.</summary>
    public HttpClient NetworkClient() => ClientTo(NetworkAddress);

    private HttpClient ClientTo(IPAddress address) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = new Uri($"http://{address}:{Port}"),
        };

    private static IPAddress FindNetworkAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        // Never skip: a machine with no network interface at all cannot run these tests, and says so.
        ?? throw new InvalidOperationException("These tests need a non-loopback IPv4 address on this machine (any interface that is up, e.g. eth0), " +
                                               "to reach the host as a client from another machine would. `ip -4 addr` shows none.");
}
