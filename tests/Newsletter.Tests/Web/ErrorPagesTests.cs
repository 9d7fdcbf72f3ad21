using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>
/// Errors over real HTTP (Kestrel on 127.0.0.1) and in Chromium: a person in a browser gets a page with a heading and a
/// way home; <c>/api</c> and clients asking for JSON keep problem+json. Donations are off in this host.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ErrorPagesTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    private HttpClient Client()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.BaseUrl) };
        return client;
    }

    private async Task<(HttpStatusCode Status, string? MediaType, string Body)> SendAsync(HttpMethod method, string url, string? accept)
    {
        using var client = Client();
        using var request = new HttpRequestMessage(method, url);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_browser_gets_pages_for_404_and_405_while_the_api_and_json_clients_get_problem_json()
    {
        var missing = await SendAsync(HttpMethod.Get, "/no-such-page", BrowserAccept);
        Assert.Equal((HttpStatusCode.NotFound, "text/html"), (missing.Status, missing.MediaType));
        Assert.Contains("<h1>Page not found</h1>", missing.Body);
        Assert.Contains("href=\"/\"", missing.Body);

        var staffMissing = await SendAsync(HttpMethod.Get, "/admin/no-such-page", BrowserAccept);
        Assert.Equal((HttpStatusCode.NotFound, "text/html"), (staffMissing.Status, staffMissing.MediaType));

        var wrongMethod = await SendAsync(HttpMethod.Delete, "/archive", BrowserAccept);
        Assert.Equal((HttpStatusCode.MethodNotAllowed, "text/html"), (wrongMethod.Status, wrongMethod.MediaType));
        Assert.Contains("<h1>This page cannot do that</h1>", wrongMethod.Body);

        // The same browser on the API, and programs on pages, keep RFC 7807.
        foreach (var (method, url, accept, status) in new[]
        {
            (HttpMethod.Get, "/api/no-such-thing", BrowserAccept, HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/subscribers", BrowserAccept, HttpStatusCode.MethodNotAllowed),
            (HttpMethod.Get, "/no-such-page", "application/json", HttpStatusCode.NotFound),
            (HttpMethod.Get, "/no-such-page", "application/problem+json, text/html;q=0.5", HttpStatusCode.NotFound),
            (HttpMethod.Get, "/no-such-page", null, HttpStatusCode.NotFound),
        })
        {
            var answer = await SendAsync(method, url, accept);
            Assert.True((status, "application/problem+json") == (answer.Status, answer.MediaType), $"{method} {url} ({accept}): {(int)answer.Status} {answer.MediaType}");
        }
    }

    [Fact]
    public async Task A_donate_link_and_the_thanks_page_tell_the_truth_when_donations_are_off()
    {
        // A donate link pasted on the blog, followed by a program that does not ask for HTML: still a page.
        var link = await SendAsync(HttpMethod.Get, "/donate/checkout?amount=1000", null);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "text/html"), (link.Status, link.MediaType));
        Assert.Contains("Online donations are not set up on this site yet", link.Body);

        var thanks = await SendAsync(HttpMethod.Get, "/donate/thanks?session_id=cs_test_made_up", BrowserAccept);
        Assert.Equal(HttpStatusCode.OK, thanks.Status);
        Assert.DoesNotContain("gone through", thanks.Body);
        Assert.Contains("Online donations are not set up on this site yet", thanks.Body);

        var page = await app.NewPageAsync();
        await page.GotoAsync("/donate/checkout?amount=1000");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Donations are not available");
        await page.GotoAsync("/nowhere/at/all");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Page not found");
        await page.GetByRole(AriaRole.Link, new() { Name = "Go to the home page" }).ClickAsync();
        // The home page (or where it leads): a page of the site, no longer an error.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).Not.ToHaveTextAsync("Page not found");
        Assert.Matches(new Regex("^" + Regex.Escape(app.BaseUrl) + "/(subscribe)?$"), page.Url);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_server_fault_shows_a_page_with_a_reference_and_no_exception_text_to_a_browser_and_problem_json_to_the_api()
    {
        // A real fault: the table behind the archive and the digest API disappears while the host runs.
        await app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("ALTER TABLE \"DigestIssues\" RENAME TO \"DigestIssuesGone\""));
        try
        {
            var page = await app.NewPageAsync();
            var response = await page.GotoAsync("/archive");
            Assert.Equal(500, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Something went wrong on our side");
            await Assertions.Expect(page.Locator("code")).Not.ToBeEmptyAsync();
            var text = await page.Locator("body").InnerTextAsync();
            Assert.DoesNotContain("DigestIssues", text);
            Assert.DoesNotContain("Exception", text);
            await page.Context.CloseAsync();

            using var client = Client();
            client.DefaultRequestHeaders.Add("X-Api-Key", NewsletterApp.StaffApiKey);
            client.DefaultRequestHeaders.Accept.ParseAdd(BrowserAccept);
            using var api = await client.GetAsync("/api/admin/digests");
            Assert.Equal(HttpStatusCode.InternalServerError, api.StatusCode);
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            await app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("ALTER TABLE \"DigestIssuesGone\" RENAME TO \"DigestIssues\""));
        }
    }
}
