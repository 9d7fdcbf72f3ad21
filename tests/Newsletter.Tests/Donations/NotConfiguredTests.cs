using System.Net;
using System.Net.Http.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>The embedded default has no Stripe keys: the donate pages say so plainly and everything else works.</summary>
[Collection(HostCollection.Name)]
public sealed class NotConfiguredTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task Without_stripe_keys_the_donate_page_says_so_and_the_rest_of_the_service_works()
    {
        var reader = app.CreateReaderClient();
        var page = await reader.GetAsync("/donate");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Online donations are not set up on this site yet", await page.Content.ReadAsStringAsync());

        var link = await reader.GetAsync("/donate/checkout?amount=2500");
        // A link on a blog is opened in a browser: a page saying so, not JSON.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, link.StatusCode);
        Assert.Equal("text/html", link.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Online donations are not set up on this site yet", await link.Content.ReadAsStringAsync());

        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.Session("cs_x", null, 100));
        using var webhook = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(payload) };
        webhook.Headers.TryAddWithoutValidation("Stripe-Signature", StripeEvents.Signature(payload));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await reader.SendAsync(webhook)).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email = "still-works@example.org" })).StatusCode);
        var totals = await app.CreateStaffClient().GetAsync("/api/admin/donations/totals");
        Assert.Equal(HttpStatusCode.OK, totals.StatusCode);
    }
}
