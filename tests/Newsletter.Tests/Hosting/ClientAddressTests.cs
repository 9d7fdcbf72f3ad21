using System.Net;
using System.Net.Http.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// What depends on the client's address, over real sockets (<see cref="KestrelApp"/>): the dashboard refuses plain
/// HTTP unless the client is this machine; the public write limit is per client; X-Forwarded-For and
/// X-Forwarded-Proto count only from a proxy listed in ReverseProxy:KnownProxies.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ClientAddressTests(ClientAddressTests.App app) : IClassFixture<ClientAddressTests.App>
{
    /// <summary>Three public writes a minute per client; a TLS proxy on this machine at 127.0.0.1.</summary>
    public sealed class App : KestrelApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("RateLimiting:PublicWritesPerMinute", "3"),
            new("ReverseProxy:KnownProxies:0", "127.0.0.1"),
        ];
    }

    [Fact]
    public async Task The_dashboard_over_plain_http_answers_403_to_another_machine_and_opens_to_this_one_or_through_the_known_proxy_over_https()
    {
        // This machine, plain HTTP: allowed (an operator on the server itself), so the login.
        var local = await app.LocalClient().GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, local.StatusCode);
        Assert.Equal("/admin/login", local.Headers.Location?.AbsolutePath);

        // Another machine, plain HTTP: 403 with a problem that says what to do; the login page too, so no password crosses in clear.
        foreach (var url in new[] { "/admin", "/admin/login", "/admin/jobs" })
        {
            var remote = await app.NetworkClient().GetAsync(url);
            Assert.Equal(HttpStatusCode.Forbidden, remote.StatusCode);
            Assert.Equal("application/problem+json", remote.Content.Headers.ContentType?.MediaType);
            Assert.Contains("HTTPS required", await remote.Content.ReadAsStringAsync());
        }
        // The rest of the site is for everyone.
        Assert.Equal(HttpStatusCode.OK, (await app.NetworkClient().GetAsync("/subscribe")).StatusCode);

        // Through the known proxy: what counts is what the proxy says about its client.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(app.LocalClient(), "/admin", forwardedFor: "203.0.113.7", forwardedProto: "http")).StatusCode);
        var overTls = await SendAsync(app.LocalClient(), "/admin", forwardedFor: "203.0.113.7", forwardedProto: "https");
        Assert.Equal(HttpStatusCode.Redirect, overTls.StatusCode);
        Assert.Equal("/admin/login", overTls.Headers.Location?.AbsolutePath);

        // The same headers from a client that is not a known proxy are not believed: still 403.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(app.NetworkClient(), "/admin", forwardedFor: "127.0.0.1", forwardedProto: "https")).StatusCode);
    }

    [Fact]
    public async Task Each_client_has_its_own_sign_up_allowance_and_a_client_cannot_dodge_it_with_x_forwarded_for()
    {
        // Two readers behind the known proxy: the first uses its three sign-ups, the fourth is refused with 429...
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(app.LocalClient(), $"first{i}@clients.example", forwardedFor: "203.0.113.1")).StatusCode);
        var limited = await SignUpAsync(app.LocalClient(), "first9@clients.example", forwardedFor: "203.0.113.1");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("60", limited.Headers.RetryAfter?.ToString());
        // ...and the second reader, on the same proxy connection kind, still has all of theirs.
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(app.LocalClient(), $"second{i}@clients.example", forwardedFor: "203.0.113.2")).StatusCode);

        // A client that is not a proxy, claiming a new address on every request, still has one allowance: its own.
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(app.NetworkClient(), $"dodger{i}@clients.example", forwardedFor: $"198.51.100.{i + 1}")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignUpAsync(app.NetworkClient(), "dodger9@clients.example", forwardedFor: "198.51.100.99")).StatusCode);

        // The proxy's own address is a client of its own too (a request it makes without forwarding anyone).
        Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(app.LocalClient(), "proxy-itself@clients.example", forwardedFor: null)).StatusCode);
    }

    [Fact]
    public async Task An_ipv6_client_has_one_allowance_for_its_whole_slash_64_network()
    {
        // One subscriber line gets a /64: a new address from it is the same client...
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(app.LocalClient(), $"six{i}@clients.example", forwardedFor: $"2001:db8:1:2::{i + 1:x}")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignUpAsync(app.LocalClient(), "six9@clients.example", forwardedFor: "2001:db8:1:2:ffff:ffff:ffff:ffff")).StatusCode);
        // ...and the next /64 is another client.
        Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync(app.LocalClient(), "next-net@clients.example", forwardedFor: "2001:db8:1:3::1")).StatusCode);
    }

    private static Task<HttpResponseMessage> SignUpAsync(HttpClient client, string email, string? forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(new { email }) };
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string url, string forwardedFor, string forwardedProto)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return client.SendAsync(request);
    }
}
