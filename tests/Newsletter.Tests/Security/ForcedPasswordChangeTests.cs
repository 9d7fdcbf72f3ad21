using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Staff;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>Someone logged in with a handed-out password reaches nothing under /admin, the jobs dashboard included, before choosing their own.</summary>
[Collection(HostCollection.Name)]
public sealed class ForcedPasswordChangeTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task A_one_time_password_opens_neither_the_pages_nor_the_jobs_dashboard_until_it_is_changed()
    {
        string oneTime;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().CreateAsync("handed@out.example", StaffRoles.Owner, null, CancellationToken.None);
            oneTime = created.OneTimePassword!;
        }
        var browser = new StaffBrowser(app);
        var login = await browser.PostFormAsync("/admin/login", [new("Email", "handed@out.example"), new("Password", oneTime)]);
        Assert.Equal("/admin/account/password", login.Headers.Location?.OriginalString);
        foreach (var url in new[] { "/admin/jobs", "/admin/jobs/recurring", "/admin/jobs/jobs/failed", "/admin/staff", "/admin" })
        {
            var response = await browser.Http.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/admin/account/password",
                $"{url} answered {(int)response.StatusCode} {response.Headers.Location} before the password was changed");
        }
        var changed = await browser.PostFormAsync("/admin/account/password",
            [new("CurrentPassword", oneTime), new("NewPassword", "my very own passphrase"), new("ConfirmPassword", "my very own passphrase")]);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/admin/jobs")).StatusCode);
    }
}
