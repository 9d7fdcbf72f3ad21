using System.Net;
using System.Net.Http.Json;
using Newsletter.Bounces;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>The embedded defaults: no Bounces settings. VERP is off, Message-IDs are still signed, webhooks answer 503.</summary>
[Collection(HostCollection.Name)]
public sealed class BouncesOffTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task Without_Bounces_Address_mail_from_is_the_sender_and_the_outbox_message_id_still_names_the_row()
    {
        using var reader = app.CreateReaderClient();
        var response = await reader.PostAsJsonAsync("/api/subscribers", new { email = "verp-off@readers.example" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = await WaitForAsync("verp-off@readers.example");
        Assert.Equal("news@test-review.example", received.From);
        Assert.Matches(@"^o\d+-[a-z2-7]{16}@test-review\.example$", received.Message.MessageId);
    }

    [Theory]
    [InlineData("/webhooks/bounces/ses")]
    [InlineData("/webhooks/bounces/postmark")]
    [InlineData("/webhooks/bounces/generic")]
    public async Task Webhooks_that_are_not_set_up_answer_503_with_problem_details(string path)
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsync(path, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<ReceivedMessage> WaitForAsync(string address)
    {
        await app.Smtp.WaitForMessageToAsync(address);
        return app.Smtp.Messages.First(m => m.Recipients.Contains(address));
    }
}
