using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Newsletter.Tests.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// Metrics:Enabled without a port of its own: Prometheus text at /metrics on the service's port, for the staff API key
/// only, with the webhook, import and job-queue metrics moving as the service works.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class MetricsTests(MetricsTests.App app) : IClassFixture<MetricsTests.App>
{
    public sealed class App : DonationsApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Metrics:Enabled", "true")];
    }

    [Fact]
    public async Task The_scrape_endpoint_answers_staff_only()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateReaderClient().GetAsync("/metrics")).StatusCode);
        using var wrongKey = app.CreateReaderClient();
        wrongKey.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-key-0123456789abcdef0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAsync("/metrics")).StatusCode);
        using var prometheus = app.CreateReaderClient();
        prometheus.DefaultRequestHeaders.Authorization = new("Bearer", NewsletterApp.StaffApiKey);
        var scrape = await prometheus.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        // The queue length is read from the job storage at each scrape.
        var text = await scrape.Content.ReadAsStringAsync();
        Assert.Matches(@"newsletter_jobs(_\w+)?\{[^}]*state=""enqueued""[^}]*\} \d+", text);
        // So are the processes: this one is a worker with a fresh heartbeat.
        Assert.Matches(@"newsletter_workers(_\w+)?\{[^}]*state=""sending""[^}]*\} [1-9]", text);
    }

    [Fact]
    public async Task Webhook_events_and_import_rows_are_counted_and_the_lag_is_measured()
    {
        var checkout = await app.NewCheckoutAsync(2500);
        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(StripeEvents.NewId("cs"), checkout.PublicId, 2500, paymentIntent: StripeEvents.NewId("pi")));
        await app.DeliverOkAsync(payload);
        await app.DeliverOkAsync(payload);
        await app.AllEventsAppliedAsync();
        var import = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import",
            new StringContent("email,name\nm1@metrics.example,One\nm2@metrics.example,Two\nnot-an-address,Three\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);

        var text = await ScrapeAsync();
        Assert.True(Value(text, "newsletter_stripe_events_received", "duplicate=\"false\"") >= 1, text);
        Assert.True(Value(text, "newsletter_stripe_events_received", "duplicate=\"true\"") >= 1, text);
        Assert.True(Value(text, "newsletter_stripe_events_applied", "result=\"processed\"") >= 1, text);
        Assert.True(Value(text, "newsletter_stripe_events_lag_seconds_count", "") >= 1, text);
        Assert.True(Value(text, "newsletter_import_rows", "outcome=\"imported\"") >= 2, text);
        Assert.True(Value(text, "newsletter_import_rows", "outcome=\"rejected\"") >= 1, text);
    }

    private async Task<string> ScrapeAsync()
    {
        // The exporter caches a scrape for 300 ms; wait past it so the numbers include what just happened.
        await Task.Delay(400);
        return await app.CreateStaffClient().GetStringAsync("/metrics");
    }

    /// <summary>The sample of a metric (counters end in _total) whose labels contain <paramref name="label"/>.</summary>
    private static double Value(string text, string metric, string label)
    {
        var pattern = $@"^{Regex.Escape(metric)}(_total)?(\{{[^}}]*\}})? (\S+)";
        foreach (Match m in Regex.Matches(text, pattern, RegexOptions.Multiline))
            if (m.Groups[2].Value.Contains(label, StringComparison.Ordinal)) return double.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }
}
