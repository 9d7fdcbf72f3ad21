using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// Imports are limited by the bytes actually read, not only by a Content-Length the client may leave out: a chunked
/// upload past the limit is cut off with 413.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class UploadLimitTests(UploadLimitTests.App app) : IClassFixture<UploadLimitTests.App>
{
    public sealed class App : NewsletterApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Subscribers:MaxImportBytes", "4096"),
            new("Donations:MaxImportBytes", "4096"),
        ];
    }

    private static readonly string SubscriberCsv = "email,name\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"chunk{i}@upload.example,Reader {i}\n"));

    private static readonly string GiftCsv = "date,amount,currency,source,reference\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"2026-01-02,10.00,usd,cheque,CHQ-{i}\n"));

    [Fact]
    public async Task A_chunked_subscriber_import_past_the_limit_gets_413_and_stops_at_the_limit()
    {
        var response = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import?mode=confirmed", Chunked(SubscriberCsv));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("4096 bytes", await response.Content.ReadAsStringAsync());
        // Nothing past the limit was read: at most the rows that fit in 4 KiB, here none (one batch is 5,000 rows).
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Subscriber>().CountAsync(s => s.EmailKey.EndsWith("@upload.example"))));

        // A declared length past the limit is refused before anything is read; a small file still imports.
        var declared = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import", new StringContent(SubscriberCsv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        var small = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import", Chunked("email\nfits@upload.example\n"));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Subscriber>().CountAsync(s => s.EmailKey.EndsWith("@upload.example"))));
    }

    [Fact]
    public async Task A_chunked_offline_gift_import_past_the_limit_gets_413()
    {
        var response = await app.CreateStaffClient().PostAsync("/api/admin/donations/import", Chunked(GiftCsv));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The rows read before the limit fill less than one batch of 500: none was saved.
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.Source == "cheque")));
    }

    /// <summary>A CSV body without Content-Length (Transfer-Encoding: chunked on a real connection).</summary>
    private static StreamContent Chunked(string text)
    {
        var content = new StreamContent(new UnknownLength(Encoding.UTF8.GetBytes(text)));
        content.Headers.ContentType = new("text/csv");
        return content;
    }

    private sealed class UnknownLength(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
