using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Bounces;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// Provider webhooks through the host's HTTP pipeline (TestServer): SES via SNS signed with a local certificate (served by the test's SNS
/// stand-in, behind the real URL check), Postmark with basic authentication, and the generic HMAC webhook.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class BounceWebhookTests(BounceApp app) : IClassFixture<BounceApp>
{
    [Fact]
    public async Task An_SES_bounce_and_complaint_signed_by_SNS_take_effect_once_and_the_certificate_is_fetched_once()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("ses", 2);
        var issue = await app.SendIssueAsync("ses-1");
        var fetchesBefore = CertificateFetches();
        var bounce = app.Sns.Notification(SesBounce(app.Received(issue, readers[0].Email).From, readers[0].Email, "Permanent"), "sns-bounce-1");

        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/ses", bounce));
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        Assert.Equal(DeliveryState.Bounced, await app.DeliveryStateAsync(issue, readers[0].Id));
        Assert.Equal(["duplicate"], await PostAsync("/webhooks/bounces/ses", bounce));

        var complaint = JsonSerializer.Serialize(new
        {
            notificationType = "Complaint",
            complaint = new { complainedRecipients = new[] { new { emailAddress = readers[1].Email } }, complaintFeedbackType = "abuse" },
            mail = new { source = app.Received(issue, readers[1].Email).From, messageId = "ses-2" },
        });
        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/ses", app.Sns.Notification(complaint, "sns-complaint-1", version: "1")));
        Assert.Equal(DeliveryState.Complained, await app.DeliveryStateAsync(issue, readers[1].Id));
        Assert.Equal(SubscriberStatus.Unsubscribed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Id == readers[1].Id).Select(s => s.Status).SingleAsync()));
        Assert.True(CertificateFetches() - fetchesBefore <= 1, "the certificate is cached per URL");
    }

    [Fact]
    public async Task An_SES_bounce_whose_certificate_cannot_be_fetched_is_answered_503_and_applied_when_SNS_sends_it_again()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("unreachable", 1);
        var issue = await app.SendIssueAsync("unreachable-1");
        // A certificate URL no earlier test fetched: the first message after a restart, with nothing cached.
        var bounce = app.Sns.Notification(SesBounce(app.Received(issue, readers[0].Email).From, readers[0].Email, "Permanent"), "sns-unreachable-1",
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-unreachable.pem");
        app.Sns.Unreachable = true;
        try
        {
            // Not "forged" (a 400, which SNS never sends again): ours, so SNS retries by its delivery policy.
            using var response = await PostRawAsync("/webhooks/bounces/ses", bounce);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("could not be fetched", await response.Content.ReadAsStringAsync());
            Assert.False(await app.IsSuppressedAsync(readers[0].Email));
            Assert.Equal(DeliveryState.Sent, await app.DeliveryStateAsync(issue, readers[0].Id));
        }
        finally
        {
            app.Sns.Unreachable = false;
        }
        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/ses", bounce));
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        Assert.Equal(DeliveryState.Bounced, await app.DeliveryStateAsync(issue, readers[0].Id));
    }

    [Theory]
    [InlineData("https://sns.us-east-1.amazonaws.com.evil.example/cert.pem")]
    [InlineData("http://sns.us-east-1.amazonaws.com/cert.pem")]
    [InlineData("https://evil.example/sns.us-east-1.amazonaws.com/cert.pem")]
    [InlineData("https://sns.us-east-1.amazonaws.com:8443/cert.pem")]
    [InlineData("https://sns.us-east-1.amazonaws.com/cert.txt")]
    public async Task A_certificate_url_off_sns_amazonaws_is_refused_before_anything_is_fetched(string url)
    {
        var message = app.Sns.Notification(SesBounce("bounces@test-review.example", "someone@readers.example", "Permanent"), "sns-url-" + Guid.NewGuid(), url);
        using var response = await PostRawAsync("/webhooks/bounces/ses", message);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(url, app.Sns.Requests);
    }

    [Fact]
    public async Task A_tampered_SNS_message_is_refused_and_changes_nothing()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("tamper", 1);
        var issue = await app.SendIssueAsync("tamper-1");
        var signed = app.Sns.Notification(SesBounce(app.Received(issue, readers[0].Email).From, readers[0].Email, "Transient"), "sns-tamper-1");
        var tampered = signed.Replace("Transient", "Permanent");
        using var response = await PostRawAsync("/webhooks/bounces/ses", tampered);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("signature", await response.Content.ReadAsStringAsync());
        Assert.False(await app.IsSuppressedAsync(readers[0].Email));
        Assert.Equal(DeliveryState.Sent, await app.DeliveryStateAsync(issue, readers[0].Id));
        using var notJson = await PostRawAsync("/webhooks/bounces/ses", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task A_subscription_is_confirmed_at_an_SNS_url_only()
    {
        const string good = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=token-123";
        Assert.Equal(["subscribed"], await PostAsync("/webhooks/bounces/ses", app.Sns.SubscriptionConfirmation(good)));
        Assert.Contains(good, app.Sns.Requests);
        const string evil = "https://evil.example/?Action=ConfirmSubscription";
        using var response = await PostRawAsync("/webhooks/bounces/ses", app.Sns.SubscriptionConfirmation(evil));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(evil, app.Sns.Requests);
    }

    [Fact]
    public async Task Postmark_needs_its_basic_authentication_and_then_bounces_and_complaints_take_effect()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("postmark", 2);
        var issue = await app.SendIssueAsync("postmark-1");
        var hard = JsonSerializer.Serialize(new { RecordType = "Bounce", ID = 4323372036854775807, Type = "HardBounce", TypeCode = 1, Email = readers[0].Email, Details = "smtp;550 5.1.1 The email account that you tried to reach does not exist" });

        using (var anonymous = await PostRawAsync("/webhooks/bounces/postmark", hard)) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var wrong = await PostRawAsync("/webhooks/bounces/postmark", hard, Basic(BounceApp.PostmarkUser, "wrong"))) Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(await app.IsSuppressedAsync(readers[0].Email));

        var auth = Basic(BounceApp.PostmarkUser, BounceApp.PostmarkPassword);
        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/postmark", hard, auth));
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        Assert.Equal(DeliveryState.Bounced, await app.DeliveryStateAsync(issue, readers[0].Id));

        var spam = JsonSerializer.Serialize(new { RecordType = "SpamComplaint", ID = 42, Type = "SpamComplaint", TypeCode = 100001, Email = readers[1].Email });
        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/postmark", spam, auth));
        Assert.Equal(DeliveryState.Complained, await app.DeliveryStateAsync(issue, readers[1].Id));

        var stranger = JsonSerializer.Serialize(new { RecordType = "Bounce", ID = 43, Type = "HardBounce", Email = "never-mailed@elsewhere.example" });
        Assert.Equal(["unmatched"], await PostAsync("/webhooks/bounces/postmark", stranger, auth));
        Assert.False(await app.IsSuppressedAsync("never-mailed@elsewhere.example"));
    }

    [Fact]
    public async Task The_generic_webhook_checks_its_HMAC_and_timestamp_and_counts_a_soft_bounce_once()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("generic", 1);
        var issue = await app.SendIssueAsync("generic-1");
        var messageId = app.Received(issue, readers[0].Email).Message.MessageId;
        var body = JsonSerializer.Serialize(new { id = "evt-1", type = "soft", email = readers[0].Email, messageId, status = "4.2.2", diagnostic = "452 4.2.2 Mailbox full" });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using (var unsigned = await PostRawAsync("/webhooks/bounces/generic", body)) Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        using (var badKey = await PostRawAsync("/webhooks/bounces/generic", body, signature: SignedWebhookNotifications.Sign(body, "another-secret-0123456789", now)))
            Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        using (var stale = await PostRawAsync("/webhooks/bounces/generic", body, signature: SignedWebhookNotifications.Sign(body, BounceApp.WebhookSecret, now - 3600)))
            Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        var garbage = "[1,2,3]";
        using (var notAnObject = await PostRawAsync("/webhooks/bounces/generic", garbage, signature: SignedWebhookNotifications.Sign(garbage, BounceApp.WebhookSecret, now)))
            Assert.Equal(HttpStatusCode.BadRequest, notAnObject.StatusCode);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<BounceEvent>().CountAsync(e => e.SubscriberId == readers[0].Id)));

        var signature = SignedWebhookNotifications.Sign(body, BounceApp.WebhookSecret, now);
        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/generic", body, signature: signature));
        Assert.Equal(["duplicate"], await PostAsync("/webhooks/bounces/generic", body, signature: signature));
        var soft = await app.WithDbAsync(db => db.Set<BounceEvent>().SingleAsync(e => e.SubscriberId == readers[0].Id));
        Assert.Equal((BounceKind.Soft, "4.2.2", issue, "soft bounce 1 of 3 within 30 days"), (soft.Kind, soft.Status, soft.IssueId, soft.Effect));
        Assert.False(await app.IsSuppressedAsync(readers[0].Email));

        // The reader's bounces are in their data export and go with them when they are erased.
        using var staff = app.CreateStaffClient();
        Assert.Contains("452 4.2.2 Mailbox full", await staff.GetStringAsync($"/api/admin/subscribers/{readers[0].Id}/data"));
        Assert.True((await staff.DeleteAsync($"/api/admin/subscribers/{readers[0].Id}")).IsSuccessStatusCode);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<BounceEvent>().CountAsync(e => e.Diagnostic == "452 4.2.2 Mailbox full")));
    }

    [Fact]
    public async Task An_outbox_email_goes_out_with_its_own_bounce_address_and_its_bounce_suppresses_the_address()
    {
        using (var reader = app.CreateReaderClient())
            Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email = "outbox-bounce@readers.example" })).StatusCode);
        await app.Smtp.WaitForMessageToAsync("outbox-bounce@readers.example");
        var confirmation = app.Smtp.Messages.First(m => m.Recipients.Contains("outbox-bounce@readers.example"));
        Assert.Matches(@"^bounces\+o\d+-[a-z2-7]{16}@test-review\.example$", confirmation.From);

        var body = JsonSerializer.Serialize(new { id = "outbox-1", type = "hard", email = "someone-else@elsewhere.example", envelopeFrom = confirmation.From, status = "5.1.1" });
        Assert.Equal(["applied"], await PostAsync("/webhooks/bounces/generic", body, signature: SignedWebhookNotifications.Sign(body, BounceApp.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds())));
        // The token names the outbox row, so the address suppressed is the one we sent to, not the one the body claims.
        Assert.True(await app.IsSuppressedAsync("outbox-bounce@readers.example"));
        Assert.False(await app.IsSuppressedAsync("someone-else@elsewhere.example"));
        var subscriber = await app.WithDbAsync(db => db.Set<Subscriber>().SingleAsync(s => s.Email == "outbox-bounce@readers.example"));
        Assert.True(await app.WithDbAsync(db => db.Set<SubscriberEvent>().AnyAsync(e => e.SubscriberId == subscriber.Id && e.Kind == "bounce")));
    }

    private static string SesBounce(string source, string recipient, string type) => JsonSerializer.Serialize(new
    {
        notificationType = "Bounce",
        bounce = new
        {
            bounceType = type, bounceSubType = "General", reportingMTA = "dsn; a8-30.smtp-out.amazonses.com",
            bouncedRecipients = new[] { new { emailAddress = recipient, action = "failed", status = type == "Permanent" ? "5.1.1" : "4.4.7", diagnosticCode = "smtp; 550 5.1.1 user unknown" } },
        },
        mail = new { source, messageId = "0000014a-f4d4-4f89-93b3-example" },
    });

    private int CertificateFetches() { lock (app.Sns.Requests) return app.Sns.Requests.Count(r => r.EndsWith(".pem", StringComparison.Ordinal)); }

    private static AuthenticationHeaderValue Basic(string user, string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    private async Task<HttpResponseMessage> PostRawAsync(string path, string body, AuthenticationHeaderValue? auth = null, string? signature = null)
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = auth;
        if (signature is not null) request.Headers.Add(SignedWebhookNotifications.SignatureHeader, signature);
        return await client.SendAsync(request);
    }

    private async Task<IReadOnlyList<string>> PostAsync(string path, string body, AuthenticationHeaderValue? auth = null, string? signature = null)
    {
        using var response = await PostRawAsync(path, body, auth, signature);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<BounceWebhookEndpoints.WebhookAnswer>())!.Outcomes;
    }
}
