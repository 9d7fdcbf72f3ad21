using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>
/// PostgreSQL refuses a NUL (U+0000) in text ("invalid byte sequence for encoding UTF8: 0x00", SQLSTATE 22021), as a
/// stored value and as a query parameter alike. A NUL from a query string ("%00") or a JSON string ("\u0000") that
/// reaches a query or an insert answered 500 on PostgreSQL (SQLite takes it). Each is bad input: a 4xx, nothing changed.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class NulCharacterTests(EndpointFuzzTests.App app) : IClassFixture<EndpointFuzzTests.App>
{
    [Theory]
    // Public pages: anyone on the internet.
    [InlineData("/donate?campaign=a%00b")]
    [InlineData("/donate/checkout?amount=500&currency=usd&campaign=a%00b")]
    [InlineData("/donate/thanks?session_id=cs_%00")]
    // The staff API's filters.
    [InlineData("/api/admin/donations?currency=a%00b")]
    [InlineData("/api/admin/donations?email=a%00b")]
    [InlineData("/api/admin/donations?source=a%00b")]
    [InlineData("/api/admin/subscribers?search=a%00b")]
    public async Task A_NUL_in_a_query_string_gets_a_400_not_a_500(string url)
    {
        var before = await EndpointFuzzTests.SnapshotAsync(app);
        var client = url.StartsWith("/api/", StringComparison.Ordinal) ? app.CreateStaffClient() : app.CreateReaderClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // A browser on the public pages, so they answer with a page.
        if (!url.StartsWith("/api/", StringComparison.Ordinal)) request.Headers.Accept.ParseAdd("text/html");
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));
    }

    [Theory]
    [InlineData("/admin/subscribers?q=a%00b")]
    [InlineData("/admin/donations?currency=a%00b")]
    public async Task A_NUL_in_a_dashboard_filter_gets_a_400_not_a_500(string url)
    {
        await StaffBrowser.EnsureAccountAsync(app, "nul-owner@example.org", StaffRoles.Owner);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync("nul-owner@example.org");
        var response = await owner.Http.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"GET {url}: {(int)response.StatusCode}");
    }

    [Theory]
    [InlineData("POST", "/api/admin/donations/campaigns", """{"slug":"nul-thanks","name":"Spring","goalAmount":100000,"currency":"usd","startsOn":"2026-01-01","endsOn":"2026-02-01","thankYouText":"Thank you\u0000"}""")]
    [InlineData("POST", "/api/admin/donations/offline", """{"date":"2026-01-01","amount":1000,"currency":"usd","source":"paypal","reference":"nul-message","message":"Keep going\u0000"}""")]
    [InlineData("POST", "/api/admin/donations/offline", """{"date":"2026-01-01","amount":1000,"currency":"usd","source":"paypal","reference":"PAY\u0000-1"}""")]
    [InlineData("PUT", "/api/articles/nul-title", """{"title":"A\u0000title","link":"https://example.org/nul-title","publishedAt":"2026-12-01T00:00:00Z"}""")]
    [InlineData("PUT", "/api/articles/nul-author", """{"title":"Title","author":"A\u0000B","link":"https://example.org/nul-author","publishedAt":"2026-12-01T00:00:00Z"}""")]
    [InlineData("PUT", "/api/articles/nul-summary", """{"title":"Title","summary":"<p>a\u0000b</p>","link":"https://example.org/nul-summary","publishedAt":"2026-12-01T00:00:00Z"}""")]
    [InlineData("PUT", "/api/articles/nul-content", """{"title":"Title","content":"<p>a\u0000b</p>","link":"https://example.org/nul-content","publishedAt":"2026-12-01T00:00:00Z"}""")]
    [InlineData("PUT", "/api/articles/nul-category", """{"title":"Title","categories":["bo\u0000oks"],"link":"https://example.org/nul-category","publishedAt":"2026-12-01T00:00:00Z"}""")]
    public async Task A_NUL_in_a_json_string_gets_a_400_and_saves_nothing(string method, string url, string body)
    {
        var before = await EndpointFuzzTests.SnapshotAsync(app);
        var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var response = await app.CreateStaffClient().SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url} {body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));
    }

    [Fact]
    public async Task An_offline_import_with_a_NUL_in_a_row_reports_that_row_and_records_the_others()
    {
        // One batch of good rows (OfflineGifts.BatchSize), then a row whose reference has a NUL.
        var csv = new StringBuilder("date,amount,currency,source,reference\n");
        for (var i = 0; i < OfflineGifts.BatchSize; i++) csv.Append($"2026-01-01,5,usd,nul-import,ok-{i}\n");
        csv.Append("2026-01-01,5,usd,nul-import,bad\u0000ref\n");
        var response = await app.CreateStaffClient().PostAsync("/api/admin/donations/import", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        var text = await response.Content.ReadAsStringAsync();
        var recorded = await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.Source == "nul-import"));
        // Before: 500, and the first batch stayed recorded all the same (a failed import that half happened).
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}; {recorded} gifts recorded");
        var report = JsonDocument.Parse(text).RootElement;
        Assert.Equal(OfflineGifts.BatchSize, report.GetProperty("added").GetInt32());
        Assert.Equal(1, report.GetProperty("rejected").GetInt32());
        Assert.Equal(OfflineGifts.BatchSize, recorded);
    }

    [Theory]
    [InlineData("email,name\nnul-name@example.org,Ann\u0000Lee\n")]
    [InlineData("email,name\nnul\u0000mail@example.org,Ann\n")]
    public async Task A_subscriber_import_with_a_NUL_in_a_row_never_answers_500(string csvEscaped)
    {
        var csv = System.Text.RegularExpressions.Regex.Unescape(csvEscaped);
        var response = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import?mode=confirmed", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        // Read back in memory: a NUL in the query itself is what PostgreSQL refuses.
        var stored = await app.WithDbAsync(db => db.Set<Newsletter.Subscribers.Subscriber>().AsNoTracking().Where(x => x.Email.StartsWith("nul")).Select(x => x.Email + " " + x.Name).ToListAsync());
        Assert.DoesNotContain(stored, row => row.Contains('\0'));
    }

    [Fact]
    public async Task A_NUL_in_a_multipart_form_field_gets_the_friendly_400_not_a_500()
    {
        // A URL-encoded form's reader refuses a NUL itself; a multipart field carries it as sent.
        var before = await EndpointFuzzTests.SnapshotAsync(app);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("500"), "amount" }, { new StringContent("usd"), "currency" }, { new StringContent("once"), "interval" },
            { new StringContent("a\0b"), "campaign" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/donate/checkout") { Content = form };
        request.Headers.Accept.ParseAdd("text/html");
        var response = await app.CreateReaderClient().SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(before, await EndpointFuzzTests.SnapshotAsync(app));
    }

    [Fact]
    public async Task A_NUL_in_the_query_of_a_client_that_takes_neither_json_nor_a_page_still_gets_a_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/donations/export?currency=a%00b");
        request.Headers.Accept.ParseAdd("text/csv");
        var response = await app.CreateStaffClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
