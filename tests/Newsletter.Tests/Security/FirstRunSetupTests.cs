using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Staff;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// First-run setup needs the one-time token the operator finds in the start-up log and the data directory, and of
/// many setups posted at the same instant exactly one makes an owner.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class FirstRunSetupTests(FirstRunSetupTests.App app) : IClassFixture<FirstRunSetupTests.App>
{
    public sealed class App : NewsletterApp
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        }
    }

    [Fact]
    public async Task Setup_needs_the_token_from_the_log_and_data_directory_and_of_eight_setups_at_once_one_makes_an_owner()
    {
        // Start-up wrote the token where only the operator can read it, and logged it.
        var path = Path.Combine(app.DataDirectory, FirstRunSetup.FileName);
        Assert.True(File.Exists(path), "no setup-token file in the data directory");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var token = (await File.ReadAllTextAsync(path)).Trim();
        Assert.True(token.Length >= 40, token);
        var logged = Assert.Single(app.Logs.Lines, l => l.Event.Name == "FirstRunSetupToken");
        Assert.Contains(token, logged.Message);
        Assert.Contains("/admin/setup", logged.Message);

        // Without the token, or with a wrong one, nobody becomes owner.
        Assert.Contains("Setup token", await new StaffBrowser(app).GetPageAsync("/admin/setup"));
        foreach (var presented in new[] { null, "", "not-the-token", token[..^1] })
        {
            var fields = new List<KeyValuePair<string, string>> { new("Email", "intruder@example.org"), new("Password", StaffBrowser.Password), new("ConfirmPassword", StaffBrowser.Password) };
            if (presented is not null) fields.Add(new("SetupToken", presented));
            var refused = await new StaffBrowser(app).PostFormAsync("/admin/setup", fields);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync()));
        // The right token with a refused password creates nothing and leaves setup open (the claim is rolled back).
        var weak = await new StaffBrowser(app).PostFormAsync("/admin/setup", [new("SetupToken", token), new("Email", "weak@example.org"), new("Password", "short"), new("ConfirmPassword", "short")]);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Equal((0, 0), await app.WithDbAsync(async db => (await db.Users.CountAsync(), await db.Set<FirstOwnerClaim>().CountAsync())));

        // Eight people with the token press the button at the same instant: one owner, the others are told it is done.
        var browsers = Enumerable.Range(0, 8).Select(_ => new StaffBrowser(app)).ToList();
        var forms = new List<(StaffBrowser Browser, string Token)>();
        foreach (var browser in browsers) forms.Add((browser, await browser.AntiforgeryTokenAsync("/admin/setup")));
        using var start = new SemaphoreSlim(0);
        var posts = forms.Select((form, i) => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await form.Browser.Http.PostAsync("/admin/setup", new FormUrlEncodedContent([
                new("SetupToken", token), new("Email", $"owner{i}@race.example"), new("Password", StaffBrowser.Password),
                new("ConfirmPassword", StaffBrowser.Password), new("__RequestVerificationToken", form.Token)]));
        })).ToList();
        start.Release(posts.Count);
        var answers = await Task.WhenAll(posts);
        Assert.Equal(1, await app.WithDbAsync(db => db.Users.CountAsync()));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<FirstOwnerClaim>().CountAsync()));
        // One setup wins and is signed in (to /admin); a loser hears 409, or, arriving after the owner exists, is sent to the login.
        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Redirect && a.Headers.Location?.OriginalString == "/admin");
        Assert.All(answers.Where(a => a != winner), a => Assert.True(a.StatusCode == HttpStatusCode.Conflict
            || (a.StatusCode == HttpStatusCode.Redirect && a.Headers.Location?.OriginalString == "/admin/login"), $"a losing setup answered {(int)a.StatusCode} {a.Headers.Location}"));
        var owner = await app.WithDbAsync(db => db.Users.SingleAsync());
        Assert.Equal(Newsletter.Web.StaffRoles.Owner, await app.WithDbAsync(db => db.Roles.Where(r => db.UserRoles.Any(ur => ur.UserId == owner.Id && ur.RoleId == r.Id)).Select(r => r.Name).SingleAsync()));

        // Setup is over: the token file is gone and the token opens nothing any more.
        Assert.False(File.Exists(path), "the setup-token file outlived the setup");
        var late = await new StaffBrowser(app).Http.PostAsync("/admin/setup", new FormUrlEncodedContent([new("SetupToken", token), new("Email", "late@example.org")]));
        Assert.NotEqual(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(1, await app.WithDbAsync(db => db.Users.CountAsync()));
    }
}
