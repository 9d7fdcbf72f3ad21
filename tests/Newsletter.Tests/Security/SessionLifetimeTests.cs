using System.Diagnostics;
using System.Net;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>A staff session ends after Staff:AbsoluteSessionLifetime however busy it is (the sliding lifetime alone never would).</summary>
[Collection(HostCollection.Name)]
public sealed class SessionLifetimeTests(SessionLifetimeTests.App app) : IClassFixture<SessionLifetimeTests.App>
{
    public sealed class App : NewsletterApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Staff:SessionLifetime", "01:00:00"),
            new("Staff:AbsoluteSessionLifetime", "00:00:03"),
        ];
    }

    [Fact]
    public async Task A_session_in_constant_use_still_ends_at_its_absolute_lifetime()
    {
        await StaffBrowser.CreateAccountAsync(app, "busy@staff.example", StaffRoles.Editor);
        var browser = new StaffBrowser(app);
        await browser.LogInAsync("busy@staff.example");
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/admin")).StatusCode);
        HttpResponseMessage response;
        do
        {
            await Task.Delay(250);
            response = await browser.Http.GetAsync("/admin/subscribers");
        }
        while (response.StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal("/admin/login", response.Headers.Location?.AbsolutePath);
        // Logging in again starts a new session.
        await browser.LogInAsync("busy@staff.example");
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/admin")).StatusCode);
    }
}
