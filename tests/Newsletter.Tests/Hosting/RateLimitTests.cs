using System.Net;
using System.Net.Http.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

public sealed class StrictRateLimitApp : NewsletterApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("RateLimiting:PublicWritesPerMinute", "3")];
}

[Collection(HostCollection.Name)]
public sealed class RateLimitTests(StrictRateLimitApp app) : IClassFixture<StrictRateLimitApp>
{
    [Fact]
    public async Task Public_sign_ups_past_the_limit_get_429_problem_details_with_retry_after()
    {
        var reader = app.CreateReaderClient();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email = $"flood{i}@example.org" })).StatusCode);
        var limited = await reader.PostAsJsonAsync("/api/subscribers", new { email = "flood9@example.org" });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.Contains("Retry-After"));
        // Reading pages is not limited.
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/subscribe")).StatusCode);
    }
}
