using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// The service behind a reverse proxy on a Unix socket, over a real one: Kestrel listens on a socket file and the
/// connections have no client address. Nothing is guessed then: without X-Forwarded-Proto https the dashboard is
/// refused (the request is not "this machine"), a public write or an API key with no X-Forwarded-For is refused with
/// 503 and a log line that says what to fix (it could not be limited per client), and with the headers the proxy sends
/// each client is counted on its own.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class UnixSocketTests(UnixSocketTests.App app) : IClassFixture<UnixSocketTests.App>
{
    public sealed class App : NewsletterApp
    {
        public string SocketPath { get; } = Path.Combine(Path.GetTempPath(), $"newsletter-{Guid.NewGuid():N}.sock");

        public LogCapture Logs { get; } = new();

        public App() => UseKestrel(options => options.ListenUnixSocket(SocketPath));

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("RateLimiting:PublicWritesPerMinute", "3")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        }

        public override Task InitializeAsync()
        {
            StartServer();
            return Task.CompletedTask;
        }

        /// <summary>A client that connects to the socket file, as the proxy does; it sends only the headers a test adds.</summary>
        public HttpClient SocketClient() => new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { BaseAddress = new Uri("http://localhost") };

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            File.Delete(SocketPath);
        }
    }

    [Fact]
    public async Task The_dashboard_without_a_client_address_is_refused_over_plain_http_and_opens_when_the_proxy_says_https()
    {
        using var client = app.SocketClient();
        foreach (var url in new[] { "/admin", "/admin/login" })
        {
            var refused = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("HTTPS required", await refused.Content.ReadAsStringAsync());
        }
        // The proxy terminated TLS and says so, and who its client is: the login page.
        var overTls = await SendAsync(client, HttpMethod.Get, "/admin", forwardedFor: "203.0.113.20", forwardedProto: "https");
        Assert.Equal(HttpStatusCode.Redirect, overTls.StatusCode);
        Assert.Equal("/admin/login", overTls.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task A_sign_up_without_a_client_address_is_refused_with_503_and_a_log_line_and_stores_nothing()
    {
        using var client = app.SocketClient();
        for (var i = 0; i < 5; i++)
        {
            var refused = await SignUpAsync(client, $"nobody{i}@socket.example", forwardedFor: null);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("X-Forwarded-For", await refused.Content.ReadAsStringAsync());
        }
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey.EndsWith("@socket.example"))));
        Assert.Contains(app.Logs.Lines, line => line.Event.Name == "ClientAddressUnknown" && line.Message.Contains("/api/subscribers"));

        // The same write with the client's address, as the proxy should send it: taken, and counted for that client only.
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(client, $"first{i}@socket-readers.example", forwardedFor: "203.0.113.21")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignUpAsync(client, "first9@socket-readers.example", forwardedFor: "203.0.113.21")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(client, "second@socket-readers.example", forwardedFor: "203.0.113.22")).StatusCode);
    }

    [Fact]
    public async Task An_api_key_without_a_client_address_is_not_tried_and_with_one_it_works()
    {
        using var client = app.SocketClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", NewsletterApp.StaffApiKey);
        var refused = await client.GetAsync("/api/admin/subscribers");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("Client address unknown", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Get, "/api/admin/subscribers", forwardedFor: "203.0.113.23", forwardedProto: "https")).StatusCode);
    }

    private static Task<HttpResponseMessage> SignUpAsync(HttpClient client, string email, string? forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(new { email }) };
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string forwardedFor, string forwardedProto)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return client.SendAsync(request);
    }
}
