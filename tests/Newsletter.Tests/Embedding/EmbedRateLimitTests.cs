using System.Net;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Embedding;

public sealed class StrictEmbedApp : NewsletterApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("RateLimiting:PublicWritesPerMinute", "3"),
        new("Subscribers:AllowedOrigins:0", EmbedApp.Blog),
    ];
}

/// <summary>The three ways in from a blog share one allowance per client: past it, each gets 429.</summary>
[Collection(HostCollection.Name)]
public sealed class EmbedRateLimitTests(StrictEmbedApp app) : IClassFixture<StrictEmbedApp>
{
    [Fact]
    public async Task The_api_the_form_with_a_return_url_and_the_embedded_form_are_limited_together()
    {
        var client = app.CreateReaderClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(EmbeddingTests.SignUp("one@example.org", EmbedApp.Blog))).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await client.PostAsync("/subscribe", EmbeddingTests.Form("two@example.org", EmbedApp.Blog + "/thanks"))).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await client.PostAsync("/subscribe/embed", new FormUrlEncodedContent([new("email", "three@example.org")]))).StatusCode);

        // A preflight is not a sign-up: it is answered before the limiter and spends nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(EmbeddingTests.Preflight(EmbedApp.Blog))).StatusCode);

        var api = await client.SendAsync(EmbeddingTests.SignUp("four@example.org", EmbedApp.Blog));
        Assert.Equal(HttpStatusCode.TooManyRequests, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        // The blog's script can read the refusal and tell the reader.
        Assert.Equal(EmbedApp.Blog, api.Headers.GetValues("Access-Control-Allow-Origin").Single());

        foreach (var (url, content) in new (string, HttpContent)[]
        {
            ("/subscribe", EmbeddingTests.Form("five@example.org", EmbedApp.Blog + "/thanks")),
            ("/subscribe/embed", new FormUrlEncodedContent([new("email", "six@example.org")])),
        })
        {
            var page = await client.PostAsync(url, content);
            Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Please wait a minute", await page.Content.ReadAsStringAsync());
            Assert.True(page.Headers.Contains("Retry-After"));
        }
        Assert.Equal(0, await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            db.Set<Newsletter.Subscribers.Subscriber>(), s => s.EmailKey == "four@example.org" || s.EmailKey == "five@example.org" || s.EmailKey == "six@example.org")));
    }
}
