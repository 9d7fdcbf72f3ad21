using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Subscribers;
using Newsletter.Templates;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>The dashboard's pages through the host's HTTP pipeline (TestServer) as a logged-in owner: subscribers, templates, the jobs dashboard.</summary>
[Collection(HostCollection.Name)]
public sealed class DashboardPagesTests(NewsletterApp app) : IClassFixture<NewsletterApp>, IAsyncLifetime
{
    private readonly StaffBrowser _browser = new(app);

    public async Task InitializeAsync()
    {
        await StaffBrowser.EnsureAccountAsync(app, "pages-owner@example.org", StaffRoles.Owner);
        await _browser.LogInAsync("pages-owner@example.org");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_subscribers_page_searches_by_the_start_of_an_email_or_name_filters_and_pages_by_keyset()
    {
        await app.WithDbAsync(async db =>
        {
            for (var i = 0; i < 60; i++)
                db.Add(new Subscriber { Email = $"pager{i:00}@paging.example", EmailKey = $"pager{i:00}@paging.example", Name = $"Pager {i:00}",
                    Status = i % 2 == 0 ? SubscriberStatus.Confirmed : SubscriberStatus.Unconfirmed, Frequency = i % 3 == 0 ? DigestFrequency.Daily : DigestFrequency.Weekly, ConsentSource = "test" });
            db.Add(new Subscriber { Email = "Zelda.Fitzgerald@paging.example", EmailKey = "Zelda.Fitzgerald@paging.example", Name = "Zelda", ConsentSource = "test" });
            await db.SaveChangesAsync();
        });

        var first = await _browser.GetPageAsync("/admin/subscribers?q=pager");
        Assert.Equal(50, Count(first, "@paging.example</a>"));
        Assert.Contains("pager59@paging.example", first);
        Assert.DoesNotContain("pager09@paging.example", first);
        var next = System.Text.RegularExpressions.Regex.Match(first, "href=\"(/admin/subscribers\\?q=pager&amp;before=\\d+)\"").Groups[1].Value;
        Assert.NotEmpty(next);
        var second = await _browser.GetPageAsync(WebUtility.HtmlDecode(next));
        Assert.Equal(10, Count(second, "@paging.example</a>"));
        Assert.Contains("pager00@paging.example", second);
        Assert.DoesNotContain("Next page", second);

        // Case as typed, lower case or capitalised: "zelda" finds "Zelda.Fitzgerald@..." and the name "Zelda".
        Assert.Contains("Zelda.Fitzgerald@paging.example", await _browser.GetPageAsync("/admin/subscribers?q=zelda"));
        var filtered = await _browser.GetPageAsync("/admin/subscribers?q=pager&status=confirmed&frequency=daily");
        Assert.Equal(10, Count(filtered, "@paging.example</a>"));
        Assert.Contains("pager54@paging.example", filtered);
        Assert.DoesNotContain("pager03@paging.example", filtered);
        Assert.Contains("Unknown status", await _browser.GetPageAsync("/admin/subscribers?status=everything"));
        Assert.Contains("No subscribers match", await _browser.GetPageAsync("/admin/subscribers?q=nobody-like-this"));
    }

    [Fact]
    public async Task A_subscriber_is_edited_exported_unsubscribed_and_erased_only_after_typing_the_address()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "edith@wharton.example"), new("name", "Edith")]));
        var id = await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == "edith@wharton.example").Select(s => s.Id).SingleAsync());
        var page = $"/admin/subscribers/{id}";
        Assert.Contains("signup", await _browser.GetPageAsync(page));

        var badEdit = await _browser.PostFormAsync(page + "?handler=edit", [new("name", "Edith"), new("frequency", "hourly")], page);
        Assert.Equal(HttpStatusCode.BadRequest, badEdit.StatusCode);
        Assert.Contains("Frequency must be daily or weekly.", await badEdit.Content.ReadAsStringAsync());
        var edited = await _browser.PostFormAsync(page + "?handler=edit", [new("name", "Edith W."), new("frequency", "daily"), new("topics", "books")], page);
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        var subscriber = await app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleAsync(s => s.Id == id));
        Assert.Equal(("Edith W.", DigestFrequency.Daily, "books"), (subscriber.Name, subscriber.Frequency, subscriber.Topics));
        Assert.Contains("by pages-owner@example.org", await _browser.GetPageAsync(page));

        var export = await _browser.Http.GetAsync(page + "?handler=export");
        Assert.Equal("application/json", export.Content.Headers.ContentType?.MediaType);
        using (var json = JsonDocument.Parse(await export.Content.ReadAsStringAsync()))
        {
            Assert.Equal("edith@wharton.example", json.RootElement.GetProperty("email").GetString());
            Assert.Contains(json.RootElement.GetProperty("history").EnumerateArray(), e => e.GetProperty("kind").GetString() == "edited");
        }

        Assert.Equal(HttpStatusCode.Redirect, (await _browser.PostFormAsync(page + "?handler=unsubscribe", [], page)).StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Id == id).Select(s => s.Status).SingleAsync()));

        var unconfirmed = await _browser.PostFormAsync(page + "?handler=erase", [new("confirmEmail", "someone-else@example.org")], page);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.True(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.Id == id)));
        var erased = await _browser.PostFormAsync(page + "?handler=erase", [new("confirmEmail", "edith@wharton.example")], page);
        Assert.Equal("/admin/subscribers?notice=erased", erased.Headers.Location?.OriginalString);
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.Id == id)));
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.Http.GetAsync(page)).StatusCode);
    }

    [Fact]
    public async Task A_csv_import_works_as_a_plain_form_and_as_a_streamed_upload_and_never_without_the_token()
    {
        var form = await _browser.GetPageAsync("/admin/subscribers/import");
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);

        // Without JavaScript: a multipart form post, answered with the whole page and the report.
        var multipart = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("confirmed"), "mode" },
            { new ByteArrayContent("email,name\nform1@import.example,One\nbroken\n"u8.ToArray()), "file", "people.csv" },
        };
        var page = await _browser.Http.PostAsync("/admin/subscribers/import", multipart);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("1 imported, 0 updated, 1 rejected", html);
        Assert.Contains("<td>3</td>", html);

        // With JavaScript: the file is the body, the token a header; the answer is the report alone.
        var streamed = new HttpRequestMessage(HttpMethod.Post, "/admin/subscribers/import?mode=send-confirmation")
        {
            Content = new StringContent("email\nstream1@import.example\nstream2@import.example\n", System.Text.Encoding.UTF8, "text/csv"),
        };
        streamed.Headers.Add("RequestVerificationToken", token);
        streamed.Headers.Add("X-Requested-With", "XMLHttpRequest");
        var report = await _browser.Http.SendAsync(streamed);
        var fragment = await report.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        Assert.Contains("2 imported, 0 updated, 0 rejected", fragment);
        Assert.DoesNotContain("<html", fragment);
        await app.Smtp.WaitForMessageToAsync("stream2@import.example");

        var noToken = new HttpRequestMessage(HttpMethod.Post, "/admin/subscribers/import?mode=confirmed")
        {
            Content = new StringContent("email\nsneaky@import.example\n", System.Text.Encoding.UTF8, "text/csv"),
        };
        Assert.Equal(HttpStatusCode.BadRequest, (await _browser.Http.SendAsync(noToken)).StatusCode);
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == "sneaky@import.example")));
        var noHeader = await _browser.Http.PostAsync("/admin/subscribers/import", new StringContent("nothing", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);
    }

    [Theory]
    [InlineData("/admin/digests")]
    [InlineData("/admin/articles")]
    [InlineData("/admin/donations/campaigns")]
    public async Task A_form_post_naming_no_handler_of_the_page_gets_400_not_500(string path)
    {
        var form = await _browser.GetPageAsync(path);
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        Assert.NotEmpty(token);
        foreach (var target in new[] { path, path + "?handler=nonsense" })
        {
            var response = await _browser.Http.PostAsync(target, new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{target} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_csv_export_streams_every_subscriber()
    {
        await app.WithDbAsync(async db =>
        {
            db.Add(new Subscriber { Email = "export@csv.example", EmailKey = "export@csv.example", Name = "=cmd()", Status = SubscriberStatus.Confirmed, ConsentSource = "test" });
            await db.SaveChangesAsync();
        });
        var response = await _browser.Http.GetAsync("/admin/subscribers/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("email,name,frequency,status", csv);
        Assert.Contains("export@csv.example,'=cmd()", csv.Replace("\"", ""));
    }

    [Fact]
    public async Task A_template_that_does_not_parse_is_not_saved_a_saved_edit_is_rendered_and_reset_goes_back_to_the_file()
    {
        const string name = "pages/message";
        var editor = $"/admin/templates/edit?name={Uri.EscapeDataString(name)}";
        Assert.Contains("<p>{{ message }}", WebUtility.HtmlDecode(await _browser.GetPageAsync(editor)));

        var broken = await _browser.PostFormAsync(editor + "&handler=save", [new("name", name), new("Text", "<p>{% if message %}never closed</p>")], editor);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("does not parse", await broken.Content.ReadAsStringAsync());
        Assert.False(await app.WithDbAsync(db => db.Set<TemplateOverride>().AnyAsync(t => t.Name == name)));

        var saved = await _browser.PostFormAsync(editor + "&handler=save", [new("name", name), new("Text", "<p class=\"edited\">Edited: {{ message }}</p>")], editor);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        // The public pages render the saved edit at once (a bad confirmation link shows pages/message).
        var edited = await app.CreateReaderClient().GetAsync("/confirm/not-a-token");
        Assert.Contains("Edited: This link is not valid", await edited.Content.ReadAsStringAsync());
        var listing = await _browser.GetPageAsync("/admin/templates");
        Assert.Contains("edited", listing);

        var reset = await _browser.PostFormAsync(editor + "&handler=reset", [new("name", name)], editor);
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        var page = await (await app.CreateReaderClient().GetAsync("/confirm/not-a-token")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("Edited:", page);
        Assert.Contains("This link is not valid", page);
    }

    [Fact]
    public async Task An_edit_saved_by_another_process_is_picked_up_within_the_refresh_interval()
    {
        const string name = "pages/unsubscribe";
        // Another worker process saved this: only the database knows.
        await app.WithDbAsync(async db =>
        {
            db.Add(new TemplateOverride { Name = name, Text = "From another process", Version = 1, UpdatedAt = DateTime.UtcNow, UpdatedBy = "elsewhere" });
            await db.SaveChangesAsync();
        });
        var library = (TemplateLibrary)app.Services.GetService(typeof(TemplateLibrary))!;
        await NewsletterApp.EventuallyAsync(async () =>
            await library.RenderHtmlAsync(name, new Dictionary<string, object?>()) == "From another process", "the edit to reach this process");
        await app.WithDbAsync(db => db.Set<TemplateOverride>().Where(t => t.Name == name).ExecuteDeleteAsync());
        await NewsletterApp.EventuallyAsync(async () =>
            (await library.RenderHtmlAsync(name, new Dictionary<string, object?> { ["email"] = "x@example.org" })).Contains("x@example.org"), "the reset to reach this process");
    }

    [Fact]
    public async Task The_hangfire_dashboard_opens_for_staff_and_the_overview_lists_alerts()
    {
        var jobs = await _browser.Http.GetAsync("/admin/jobs");
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        Assert.Contains("Newsletter jobs", await jobs.Content.ReadAsStringAsync());
        var overview = await _browser.GetPageAsync("/admin");
        Assert.Contains("Stripe is not configured", overview);
        // Every area has its panel now: digests (last issues) and donations (this month, last month, recurring).
        Assert.DoesNotContain("Not available yet", overview);
        Assert.Contains("Recurring monthly revenue", overview);
    }

    private static int Count(string html, string needle) => (html.Length - html.Replace(needle, "").Length) / needle.Length;
}
