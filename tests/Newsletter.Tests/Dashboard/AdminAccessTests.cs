using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>Nothing under /admin opens without a staff login, and no dashboard form works without its antiforgery token.</summary>
[Collection(HostCollection.Name)]
public sealed class AdminAccessTests(AdminAccessTests.App app) : IClassFixture<AdminAccessTests.App>
{
    /// <summary>A host whose log keeps MVC's antiforgery refusals, so a test can tell them from any other 400.</summary>
    public sealed class App : NewsletterApp
    {
        public LogCapture Logs { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Logging:LogLevel:Microsoft.AspNetCore.Mvc.ViewFeatures.Filters", "Information")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        }

        /// <summary>How many antiforgery refusals the host has logged so far.</summary>
        public int AntiforgeryRefusals => Logs.Lines.Count(l => l.Event.Name == "AntiforgeryTokenInvalid");
    }

    /// <summary>Every route the host serves under /admin (Razor pages and the Hangfire dashboard), with sample values for parameters.</summary>
    private IReadOnlyList<(string Url, bool Anonymous)> AdminUrls()
    {
        var urls = new List<(string, bool)>();
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText?.TrimStart('/') ?? string.Empty;
            if (!pattern.StartsWith("admin", StringComparison.OrdinalIgnoreCase)) continue;
            var url = "/" + pattern.ToLowerInvariant().Replace("{id:long}", "1").Replace("{**path}", "").Replace("{path?}", "").TrimEnd('/');
            urls.Add((url, endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null));
        }
        return urls.Distinct().ToList();
    }

    [Fact]
    public async Task Every_admin_and_jobs_url_without_a_login_redirects_to_the_login_page_or_is_refused()
    {
        var urls = AdminUrls().Where(u => !u.Anonymous).Select(u => u.Url)
            // A few pages inside the Hangfire dashboard, which routes them itself.
            .Concat(["/admin/jobs/jobs/failed", "/admin/jobs/recurring", "/admin/jobs/stats", "/admin/subscribers/1?handler=export", "/admin/templates/edit?name=pages/subscribe"])
            .Distinct().ToList();
        Assert.Contains("/admin", urls);
        Assert.Contains("/admin/subscribers", urls);
        Assert.Contains("/admin/jobs", urls);
        Assert.Contains("/admin/templates/edit", urls);
        var anonymous = new HttpClient(app.Server.CreateHandler()) { BaseAddress = new Uri("https://localhost") };
        var refused = new List<string>();
        foreach (var url in urls)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
            {
                using var response = await anonymous.SendAsync(new HttpRequestMessage(method, url) { Content = method == HttpMethod.Post ? new FormUrlEncodedContent([]) : null });
                var status = (int)response.StatusCode;
                var toLogin = response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.AbsolutePath.Equals("/admin/login", StringComparison.OrdinalIgnoreCase) == true;
                if (!toLogin && status is not (401 or 403)) refused.Add($"{method} {url} answered {status} {response.Headers.Location}");
            }
        }
        Assert.True(refused.Count == 0, "Open without a login:\n" + string.Join("\n", refused));
    }

    [Fact]
    public async Task Only_the_login_and_first_run_setup_pages_are_open_to_everyone()
    {
        var open = AdminUrls().Where(u => u.Anonymous).Select(u => u.Url).Order().ToList();
        Assert.Equal(["/admin/login", "/admin/setup"], open);
    }

    [Fact]
    public async Task The_staff_api_takes_the_api_key_and_answers_401_not_a_login_redirect_without_it_and_the_key_opens_no_page()
    {
        var anonymous = app.CreateReaderClient();
        var refused = await anonymous.GetAsync("/api/admin/subscribers");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var withKey = await app.CreateStaffClient().GetAsync("/api/admin/subscribers");
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        // A key opens the API only: the dashboard's pages send it to the login like anyone else.
        var staff = app.CreateStaffClient();
        Assert.Equal("/admin/login", (await staff.GetAsync("/admin/subscribers")).Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Dashboard_forms_without_an_antiforgery_token_are_rejected_and_change_nothing()
    {
        await StaffBrowser.CreateAccountAsync(app, "forms-owner@example.org", StaffRoles.Owner);
        var browser = new StaffBrowser(app);
        await browser.LogInAsync("forms-owner@example.org");
        var id = await app.WithDbAsync(async db =>
        {
            var subscriber = new Subscriber { Email = "keep-me@example.org", EmailKey = "keep-me@example.org", Status = SubscriberStatus.Confirmed, Name = "Keep" };
            db.Add(subscriber);
            await db.SaveChangesAsync();
            return subscriber.Id;
        });
        var posts = AdminUrls().Select(u => u.Url).Where(u => !u.StartsWith("/admin/jobs", StringComparison.Ordinal)).ToList();
        posts.AddRange([$"/admin/subscribers/{id}?handler=edit", $"/admin/subscribers/{id}?handler=unsubscribe", $"/admin/subscribers/{id}?handler=erase",
            "/admin/templates/edit?name=pages/subscribe&handler=save", "/admin/templates/edit?name=pages/subscribe&handler=reset",
            "/admin/staff?handler=role", "/admin/staff?handler=unlock", "/admin/staff?handler=reset", "/admin/staff?handler=remove"]);
        var accepted = new List<string>();
        foreach (var url in posts.Distinct())
        {
            var refusalsBefore = app.AntiforgeryRefusals;
            var response = await browser.Http.PostAsync(url, new FormUrlEncodedContent([
                new("confirmEmail", "keep-me@example.org"), new("name", "Changed"), new("frequency", "daily"),
                new("Text", "changed"), new("Email", "new-staff@example.org"), new("Role", "Owner")]));
            // A 400 for any other reason (a handler refusing the fields) would hide a form that takes no token.
            if (response.StatusCode != HttpStatusCode.BadRequest) accepted.Add($"POST {url} answered {(int)response.StatusCode}");
            else if (app.AntiforgeryRefusals != refusalsBefore + 1) accepted.Add($"POST {url} answered 400, but not for the missing antiforgery token");
        }
        // Hangfire's dashboard checks the same token on its own forms (it answers 403).
        var hangfire = await browser.Http.PostAsync("/admin/jobs/recurring/trigger", new FormUrlEncodedContent([new("jobs[]", "unconfirmed-purge")]));
        if ((int)hangfire.StatusCode is not (400 or 403)) accepted.Add($"POST /admin/jobs/recurring/trigger answered {(int)hangfire.StatusCode}");
        Assert.True(accepted.Count == 0, "Accepted without a token:\n" + string.Join("\n", accepted));

        var subscriber = await app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleAsync(s => s.Id == id));
        Assert.Equal(("Keep", SubscriberStatus.Confirmed), (subscriber.Name, subscriber.Status));
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "new-staff@example.org")));
        Assert.False(await app.WithDbAsync(db => db.Set<Newsletter.Templates.TemplateOverride>().AnyAsync()));
        // With the token, the same browser can post: the rejections above were about the token.
        var saved = await browser.PostFormAsync($"/admin/subscribers/{id}?handler=edit", [new("name", "Kept"), new("frequency", "weekly")], $"/admin/subscribers/{id}");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
    }
}
