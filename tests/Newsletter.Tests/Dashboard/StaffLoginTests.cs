using System.Net;
using Microsoft.EntityFrameworkCore;
using Newsletter.Host.Hosting;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>First-run setup, the login with its lockout, the CLI verb and the forced password change, through the host's HTTP pipeline (TestServer).</summary>
[Collection(HostCollection.Name)]
public sealed class StaffLoginTests(StaffLoginTests.App app) : IClassFixture<StaffLoginTests.App>
{
    /// <summary>A host of its own: these tests start from a database with no staff at all.</summary>
    public sealed class App : NewsletterApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Staff:MaxFailedAccessAttempts", "3"),
            new("Staff:LockoutDuration", "00:10:00"),
        ];
    }

    [Fact]
    public async Task First_run_offers_setup_once_then_login_locks_out_after_wrong_passwords_and_the_cli_hands_out_a_one_time_password()
    {
        var browser = new StaffBrowser(app);
        // No staff yet: the dashboard leads to the login, and the login to the one-time setup page.
        var overview = await browser.Http.GetAsync("/admin");
        Assert.Equal("/admin/login", overview.Headers.Location?.AbsolutePath);
        var login = await browser.Http.GetAsync("/admin/login");
        Assert.Equal("/admin/setup", login.Headers.Location?.OriginalString);

        var token = StaffBrowser.SetupToken(app);
        var mismatch = await browser.PostFormAsync("/admin/setup", [new("SetupToken", token), new("Email", "owner@example.org"), new("Password", StaffBrowser.Password), new("ConfirmPassword", "something else")]);
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        var tooShort = await browser.PostFormAsync("/admin/setup", [new("SetupToken", token), new("Email", "owner@example.org"), new("Password", "short"), new("ConfirmPassword", "short")]);
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.Contains("at least 12", await tooShort.Content.ReadAsStringAsync());
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync()));

        var created = await browser.PostFormAsync("/admin/setup", [new("SetupToken", token), new("Email", "owner@example.org"), new("Password", StaffBrowser.Password), new("ConfirmPassword", StaffBrowser.Password)]);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("Overview", await browser.GetPageAsync("/admin"));
        var cookie = created.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("newsletter-staff=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        // The setup page is gone for good.
        var stranger = new StaffBrowser(app);
        Assert.Equal("/admin/login", (await stranger.Http.GetAsync("/admin/setup")).Headers.Location?.OriginalString);
        // Even a complete form, with the setup token read from an old log and a valid antiforgery token (the login
        // page's: tokens are per browser, not per form), is sent to the login and creates nobody.
        var mimic = await stranger.PostFormAsync("/admin/setup", [new("SetupToken", token), new("Email", "intruder@example.org"),
            new("Password", StaffBrowser.Password), new("ConfirmPassword", StaffBrowser.Password)], formPage: "/admin/login");
        Assert.Equal(HttpStatusCode.Redirect, mimic.StatusCode);
        Assert.Equal("/admin/login", mimic.Headers.Location?.OriginalString);
        Assert.Equal(["owner@example.org"], await app.WithDbAsync(db => db.Users.Select(u => u.Email).ToListAsync()));

        // Wrong passwords: after three the account is locked, and then even the right password is refused.
        for (var i = 0; i < 3; i++)
        {
            var wrong = await stranger.PostFormAsync("/admin/login", [new("Email", "owner@example.org"), new("Password", "not the password " + i)]);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        var locked = await stranger.PostFormAsync("/admin/login", [new("Email", "owner@example.org"), new("Password", StaffBrowser.Password)]);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Contains("locked", await locked.Content.ReadAsStringAsync());
        Assert.Equal("/admin/login", (await stranger.Http.GetAsync("/admin")).Headers.Location?.AbsolutePath);
        // An unknown account gets the same answer as a wrong password.
        var unknown = await stranger.PostFormAsync("/admin/login", [new("Email", "nobody@example.org"), new("Password", "whatever it is")]);
        Assert.Contains("The email or the password is wrong.", await unknown.Content.ReadAsStringAsync());

        // The CLI verb: no password given, so a one-time password is printed and must be changed at the first login.
        var output = new StringWriter();
        var exit = await CommandLine.CreateStaffAsync(app.Services, ["editor@example.org"], null, new StringReader(""), false, output);
        Assert.Equal(0, exit);
        Assert.Contains("Created Editor editor@example.org", output.ToString());
        var oneTime = output.ToString().Split(": ").Last().Trim();
        Assert.True(oneTime.Length >= 20, output.ToString());
        var editor = new StaffBrowser(app);
        var first = await editor.PostFormAsync("/admin/login", [new("Email", "editor@example.org"), new("Password", oneTime)]);
        Assert.Equal("/admin/account/password", first.Headers.Location?.OriginalString);
        Assert.Equal("/admin/account/password", (await editor.Http.GetAsync("/admin/subscribers")).Headers.Location?.OriginalString);
        var changed = await editor.PostFormAsync("/admin/account/password",
            [new("CurrentPassword", oneTime), new("NewPassword", "a new passphrase of mine"), new("ConfirmPassword", "a new passphrase of mine")]);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await editor.GetPageAsync("/admin/subscribers");
        // Editors run the newsletter; only owners manage staff.
        var staffPage = await editor.Http.GetAsync("/admin/staff");
        Assert.Equal("/admin/denied", staffPage.Headers.Location?.AbsolutePath);

        // A password piped to stdin is used as given; a second account with the same email is refused.
        var piped = await CommandLine.CreateStaffAsync(app.Services, ["second@example.org"], "Owner", new StringReader("piped passphrase 123\n"), true, new StringWriter());
        Assert.Equal(0, piped);
        await new StaffBrowser(app).LogInAsync("second@example.org", "piped passphrase 123");
        Assert.Equal(1, await CommandLine.CreateStaffAsync(app.Services, ["second@example.org"], null, new StringReader(""), false, new StringWriter()));
        Assert.Equal(2, await CommandLine.CreateStaffAsync(app.Services, ["third@example.org"], "Admin", new StringReader(""), false, new StringWriter()));
        Assert.Equal(StaffRoles.Owner, await app.WithDbAsync(db =>
            db.UserRoles.Where(r => db.Users.Any(u => u.Id == r.UserId && u.Email == "second@example.org")).Select(r => db.Roles.Single(x => x.Id == r.RoleId).Name).SingleAsync()));
    }
}
