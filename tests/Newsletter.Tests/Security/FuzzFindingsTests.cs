using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Newsletter.Bounces;
using Newsletter.Staff;
using Newsletter.Web;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// The requests a fuzz of the running host (about 25,000 of them, 2026-12-05) found answering 500, kept as they were
/// sent. Each now gets a 4xx (or, for a date filter at the calendar's end, the page), and none changes a row.
/// In the JSON bodies "\ud800" is the six characters of a JSON escape: half a surrogate pair, which .NET cannot make a
/// string of.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class FuzzFindingsTests(EndpointFuzzTests.App app) : IClassFixture<EndpointFuzzTests.App>
{
    private const string LoneSurrogate = "\\ud800";

    [Fact]
    public async Task Webhook_bodies_with_half_a_surrogate_pair_or_a_fractional_code_are_refused_without_a_500()
    {
        var before = await EndpointFuzzTests.SnapshotAsync(app);
        var client = app.CreateClient();

        // SES: no authentication needed to reach the parser.
        var ses = $$"""{"Type":"{{LoneSurrogate}}","MessageId":"m1","TopicArn":"arn:x","Message":"{}","Timestamp":"2026-01-01T00:00:00Z","SignatureVersion":"1","Signature":"AAAA","SigningCertURL":"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem"}""";
        await AssertStatusAsync(HttpStatusCode.BadRequest, client, Post("/webhooks/bounces/ses", ses, "text/plain"));

        // The generic webhook, correctly signed.
        var generic = $$"""{"id":"{{LoneSurrogate}}","type":"hard","email":"fuzz@example.org"}""";
        var signed = Post("/webhooks/bounces/generic", generic, "application/json");
        signed.Headers.TryAddWithoutValidation(SignedWebhookNotifications.SignatureHeader,
            SignedWebhookNotifications.Sign(generic, "fuzz-bounce-webhook-secret-0123456789", DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        await AssertStatusAsync(HttpStatusCode.BadRequest, client, signed);

        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));

        // Postmark, with its password: a TypeCode that is no whole number, half a surrogate pair in a field or the ID. An
        // authenticated notice with an address it cannot read is recorded as one that matched nobody (200), or refused.
        foreach (var body in new[]
                 {
                     """{"RecordType":"Bounce","Type":"HardBounce","TypeCode":1.5,"ID":"x1","Email":"fuzz@example.org"}""",
                     """{"RecordType":"Bounce","Type":"HardBounce","TypeCode":1e30,"ID":"x2","Email":"fuzz@example.org"}""",
                     $$"""{"RecordType":"Bounce","Type":"HardBounce","ID":"x3","Email":"{{LoneSurrogate}}"}""",
                     $$"""{"RecordType":"Bounce","Type":"HardBounce","ID":"{{LoneSurrogate}}","Email":"fuzz@example.org"}""",
                 })
        {
            var request = Post("/webhooks/bounces/postmark", body, "application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("fuzz:fuzz-postmark-password")));
            var response = await client.SendAsync(request);
            Assert.True((int)response.StatusCode is 200 or 400, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Stripe_events_signed_with_the_secret_but_not_event_objects_are_refused_without_a_500()
    {
        var before = await EndpointFuzzTests.SnapshotAsync(app);
        var client = app.CreateClient();
        foreach (var body in new[] { "null", "[]", "\"x\"", "1", """{"id":"evt_u","type":"x","id":"evt_u2"}""", """{"id":"evt_d","type":"x","created":99999999999999999}""" })
            await AssertStatusAsync(HttpStatusCode.BadRequest, client, Stripe(body, StripeEvents.Signature(body)));
        // A timestamp past what Stripe.net's check holds (an Int32), with a signature that matches it.
        const string late = """{"id":"evt_late","type":"x"}""";
        await AssertStatusAsync(HttpStatusCode.BadRequest, client, Stripe(late, StripeEvents.Signature(late, DateTimeOffset.FromUnixTimeSeconds(99999999999))));
        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));

        HttpRequestMessage Stripe(string body, string signature)
        {
            var request = Post("/webhooks/stripe", body, "application/json");
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
            return request;
        }
    }

    [Fact]
    public async Task A_campaign_ending_at_the_calendars_edge_and_an_article_with_a_null_category_are_refused_and_not_saved()
    {
        var before = await EndpointFuzzTests.SnapshotAsync(app);
        var staff = app.CreateStaffClient();
        // Saved, then every page that showed it failed (its window runs to the end of a last day that has no next day).
        await AssertStatusAsync(HttpStatusCode.BadRequest, staff, Post("/api/admin/donations/campaigns",
            """{"slug":"edge-of-time","name":"Spring","goalAmount":1,"currency":"usd","startsOn":"0001-01-01","endsOn":"9999-12-31","thankYouText":"Thanks"}""", "application/json"));
        await AssertStatusAsync(HttpStatusCode.BadRequest, staff, Put("/api/articles/null-category",
            """{"title":"T","link":"https://example.org/a","publishedAt":"2026-12-01T00:00:00Z","categories":[null]}"""));
        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));
    }

    [Fact]
    public async Task Dashboard_filters_at_the_calendars_last_day_an_empty_template_name_and_an_empty_scope_get_no_500()
    {
        await StaffBrowser.EnsureAccountAsync(app, "fuzz-owner@example.org", StaffRoles.Owner);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync("fuzz-owner@example.org");
        var before = await EndpointFuzzTests.SnapshotAsync(app);

        // "To the last day there is" is no upper bound.
        Assert.Contains("Donations", await owner.GetPageAsync("/admin/donations?to=9999-12-31"));
        Assert.Contains("Audit", await owner.GetPageAsync("/admin/audit?to=9999-12-31"));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync("/admin/templates/edit?name=")).StatusCode);
        var key = await owner.PostFormAsync("/admin/api-keys", [new("Name", "k"), new("Scopes", "")]);
        Assert.Equal(HttpStatusCode.BadRequest, key.StatusCode);
        Assert.Contains("Choose at least one scope.", await key.Content.ReadAsStringAsync());

        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));
    }

    private static HttpRequestMessage Post(string url, string body, string contentType) =>
        new(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    private static HttpRequestMessage Put(string url, string body) =>
        new(HttpMethod.Put, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static async Task AssertStatusAsync(HttpStatusCode expected, HttpClient client, HttpRequestMessage request)
    {
        var what = $"{request.Method} {request.RequestUri} {(request.Content is null ? "" : await request.Content.ReadAsStringAsync())}";
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == expected, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
