using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>Staff tools through the staff API: CSV import and export, a subscriber's data, erasure, suppression.</summary>
[Collection(HostCollection.Name)]
public sealed class ImportExportErasureTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task Staff_endpoints_refuse_requests_without_a_valid_key()
    {
        var anonymous = app.CreateReaderClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/subscribers")).StatusCode);
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "wrong-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/subscribers/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync("/api/admin/subscribers/1")).StatusCode);
    }

    [Fact]
    public async Task A_csv_with_good_and_bad_rows_imports_the_good_and_reports_the_bad_by_line()
    {
        var csv = """
            email,name,frequency,status,subscribed_at
            good.one@import.example,Good One,daily,confirmed,2024-03-01T09:30:00Z
            good.two@import.example,,weekly,,
            not-an-email,Bad,weekly,confirmed,
            bad.freq@import.example,Bad,hourly,confirmed,
            bad.date@import.example,Bad,weekly,confirmed,yesterday-ish
            left@import.example,Left,weekly,unsubscribed,
            good.one@import.example,Duplicate,weekly,confirmed,
            "quoted, name@import.example",x,weekly,,
            """;
        var report = await Import(csv);
        Assert.Equal(3, report.Imported);
        Assert.Equal(0, report.Updated);
        Assert.Equal(5, report.Rejected);
        Assert.Equal([4L, 5L, 6L, 8L, 9L], report.Errors.Select(e => e.Line).Order().ToArray());
        Assert.Contains(report.Errors, e => e.Line == 5 && e.Reason.Contains("daily or weekly"));
        Assert.Contains(report.Errors, e => e.Line == 8 && e.Reason.Contains("line 2"));

        var one = await Find("good.one@import.example");
        Assert.Equal((SubscriberStatus.Confirmed, DigestFrequency.Daily, "Good One", "import"), (one.Status, one.Frequency, one.Name, one.ConsentSource));
        Assert.Equal(new DateTime(2024, 3, 1, 9, 30, 0, DateTimeKind.Utc), one.CreatedAt);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await Find("left@import.example")).Status);

        // Importing again updates, and never brings back someone who unsubscribed.
        var again = await Import("email,name,status\nleft@import.example,Left Again,confirmed\ngood.two@import.example,Two,\n");
        Assert.Equal((0, 2, 0), (again.Imported, again.Updated, again.Rejected));
        Assert.Equal(SubscriberStatus.Unsubscribed, (await Find("left@import.example")).Status);
        Assert.Equal("Two", (await Find("good.two@import.example")).Name);
    }

    [Fact]
    public async Task A_file_without_an_email_column_is_refused_whole()
    {
        var response = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import", new StringContent("name,frequency\nAnn,daily\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("email", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Importing_with_send_confirmation_mails_each_new_reader_a_confirmation()
    {
        var response = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import?mode=send-confirmation",
            new StringContent("email\nconfirm.me@import.example\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SubscriberStatus.Unconfirmed, (await Find("confirm.me@import.example")).Status);
        var message = await app.Smtp.WaitForMessageToAsync("confirm.me@import.example");
        Assert.Contains("/confirm/", Mail.Text(message));
    }

    [Fact]
    public async Task The_export_streams_every_subscriber_as_csv_with_formulas_escaped()
    {
        await Import("email,name\nexport.a@import.example,=HYPERLINK(\"http://evil\")\nexport.b@import.example,Plain\n");
        var response = await app.CreateStaffClient().GetAsync("/api/admin/subscribers/export");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("email,name,frequency,status", lines[0]);
        var a = lines.Single(l => l.StartsWith("export.a@import.example"));
        Assert.DoesNotContain(",=HYPERLINK", a);
        Assert.Contains("'=HYPERLINK", a);
        Assert.Contains(lines, l => l.StartsWith("export.b@import.example,Plain,weekly,confirmed"));
    }

    [Fact]
    public async Task Erasing_removes_the_person_keeps_only_a_hash_and_they_are_never_mailed_again()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "forget.me@example.org", name = "Forget Me" });
        await app.Smtp.WaitForMessageToAsync("forget.me@example.org");
        var subscriber = await Find("forget.me@example.org");
        var staff = app.CreateStaffClient();

        var data = await staff.GetFromJsonAsync<JsonElement>($"/api/admin/subscribers/{subscriber.Id}/data");
        Assert.Equal("forget.me@example.org", data.GetProperty("email").GetString());
        Assert.Equal("api", data.GetProperty("consent").GetProperty("source").GetString());
        Assert.Contains(data.GetProperty("history").EnumerateArray(), e => e.GetProperty("kind").GetString() == "signup");

        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/admin/subscribers/{subscriber.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync($"/api/admin/subscribers/{subscriber.Id}")).StatusCode);
        var leftovers = await app.WithDbAsync(async db => new
        {
            Subscribers = await db.Set<Subscriber>().CountAsync(s => s.EmailKey == "forget.me@example.org"),
            Events = await db.Set<SubscriberEvent>().CountAsync(e => e.SubscriberId == subscriber.Id),
            Emails = await db.Set<TransactionalEmail>().CountAsync(e => e.Recipient == "forget.me@example.org"),
            Suppressed = await db.Set<SuppressedAddress>().Where(s => s.Reason == SuppressionReason.Erased).Select(s => s.AddressHash).ToListAsync(),
        });
        Assert.Equal((0, 0, 0), (leftovers.Subscribers, leftovers.Events, leftovers.Emails));
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.Contains(scope.ServiceProvider.GetRequiredService<SuppressionList>().HashOf("forget.me@example.org"), leftovers.Suppressed);

        // Signing up again gets the usual answer but no email; importing them is refused.
        app.Smtp.Clear();
        var again = await reader.PostAsJsonAsync("/api/subscribers", new { email = "Forget.Me@EXAMPLE.org" });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var report = await Import("email\nforget.me@example.org\n");
        Assert.Equal(1, report.Rejected);
        Assert.Contains("suppression", report.Errors.Single().Reason);
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "control@example.org" });
        await app.Smtp.WaitForMessageToAsync("control@example.org");
        Assert.DoesNotContain(app.Smtp.Messages, m => m.Recipients.Any(r => r.Equals("forget.me@example.org", StringComparison.OrdinalIgnoreCase)));
    }

    private async Task<ImportReport> Import(string csv)
    {
        var response = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ImportReport>())!;
    }

    private Task<Subscriber> Find(string key) => app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleAsync(s => s.EmailKey == key));
}
