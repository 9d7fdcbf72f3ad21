using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>Wrong API keys are counted per client address: past the limit every key from it gets 429 for the minute.</summary>
[Collection(HostCollection.Name)]
public sealed class ApiKeyGuessingTests(ApiKeyGuessingTests.App app) : IClassFixture<ApiKeyGuessingTests.App>
{
    /// <summary>A host of its own: the block lasts a minute for the address every TestServer request shares.</summary>
    public sealed class App : NewsletterApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Security:ApiKeyFailuresPerMinute", "3")];
    }

    [Fact]
    public async Task Wrong_keys_past_the_limit_get_429_for_every_key_from_that_address()
    {
        var guesser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        guesser.DefaultRequestHeaders.Add("X-Api-Key", "nlk_000000000000_guess");
        Assert.Equal(HttpStatusCode.OK, (await app.CreateStaffClient().GetAsync("/api/admin/subscribers")).StatusCode);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/admin/subscribers")).StatusCode);
        var blocked = await guesser.GetAsync("/api/admin/subscribers");
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.Contains("Retry-After"));
        Assert.Equal("application/problem+json", blocked.Content.Headers.ContentType?.MediaType);
        // Guessing right now does not help either: the address waits out the minute.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.CreateStaffClient().GetAsync("/api/admin/subscribers")).StatusCode);
        // Public endpoints that need no key stay open to it.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateReaderClient().GetAsync("/subscribe")).StatusCode);
    }
}
