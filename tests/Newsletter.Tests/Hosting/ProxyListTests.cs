using System.Net;
using System.Net.Http.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// With <c>ReverseProxy:KnownProxies</c> set, the list is the whole truth: this machine's loopback addresses (which
/// ASP.NET believes by default) are believed only when listed. A program on the machine that is not the listed proxy
/// cannot claim a client address or HTTPS, and a loopback request that carries such headers speaks for someone
/// elsewhere, so it is not "this machine" to the dashboard either. Real Kestrel on 127.0.0.1.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ProxyListTests(ProxyListTests.App app) : IClassFixture<ProxyListTests.App>
{
    /// <summary>The proxy is another machine (a documentation address); three public writes a minute per client.</summary>
    public sealed class App : KestrelApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("RateLimiting:PublicWritesPerMinute", "3"),
            new("ReverseProxy:KnownProxies:0", "192.0.2.1"),
        ];
    }

    [Fact]
    public async Task A_loopback_client_that_is_not_the_listed_proxy_cannot_claim_https_and_is_not_this_machine_when_it_forwards()
    {
        // This machine itself, no proxy headers: the login, as before.
        var local = await app.LocalClient().GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, local.StatusCode);
        Assert.Equal("/admin/login", local.Headers.Location?.AbsolutePath);

        // A program here claiming to be a TLS proxy for someone elsewhere: not believed, and not this machine either.
        foreach (var (forwardedFor, forwardedProto) in new[] { ("203.0.113.30", "https"), ("203.0.113.30", "http"), ("127.0.0.1", "https") })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/admin");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            var response = await app.LocalClient().SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{forwardedFor} {forwardedProto} from loopback answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_loopback_client_that_is_not_the_listed_proxy_cannot_dodge_the_sign_up_limit_with_x_forwarded_for()
    {
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await SignUpAsync($"dodger{i}@listed-proxy.example", $"198.51.100.{i + 1}")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignUpAsync("dodger9@listed-proxy.example", "198.51.100.99")).StatusCode);
    }

    private Task<HttpResponseMessage> SignUpAsync(string email, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(new { email }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return app.LocalClient().SendAsync(request);
    }
}
