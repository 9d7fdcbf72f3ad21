using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Staff;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>
/// A refused login says the same thing, with the same status, and verifies one password hash, whether the account
/// does not exist, the password is wrong, or the account is locked: nobody learns who is staff or who is locked.
/// </summary>
[Collection(HostCollection.Name)]
public sealed partial class LoginRefusalTests(LoginRefusalTests.App app) : IClassFixture<LoginRefusalTests.App>
{
    public sealed class App : NewsletterApp
    {
        public CountingHasher Hasher { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Staff:MaxFailedAccessAttempts", "2")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<IPasswordHasher<StaffUser>>(Hasher));
        }
    }

    /// <summary>Identity's own hasher, counting the verifications it is asked for.</summary>
    public sealed class CountingHasher : PasswordHasher<StaffUser>
    {
        private int _verified;

        public int Verified => Volatile.Read(ref _verified);

        public override PasswordVerificationResult VerifyHashedPassword(StaffUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verified);
            return base.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public async Task Unknown_account_wrong_password_and_locked_account_get_the_same_answer_for_the_same_work()
    {
        await StaffBrowser.CreateAccountAsync(app, "real@staff.example", StaffRoles.Editor);
        var browser = new StaffBrowser(app);
        var unknown = await AttemptAsync(browser, "nobody@staff.example", "some password here");
        var wrong = await AttemptAsync(browser, "real@staff.example", "not the password 1");
        await AttemptAsync(browser, "real@staff.example", "not the password 2"); // the second wrong password locks it
        var locked = await AttemptAsync(browser, "real@staff.example", StaffBrowser.Password);

        Assert.All(new[] { unknown, wrong, locked }, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.Equal(unknown.Alert, wrong.Alert);
        Assert.Equal(unknown.Alert, locked.Alert);
        Assert.Contains("locked", unknown.Alert);
        Assert.All(new[] { unknown, wrong, locked }, a => Assert.Equal(1, a.Verifications));
    }

    private async Task<(HttpStatusCode Status, string Alert, int Verifications)> AttemptAsync(StaffBrowser browser, string email, string password)
    {
        var token = await browser.AntiforgeryTokenAsync("/admin/login");
        var before = app.Hasher.Verified;
        var response = await browser.Http.PostAsync("/admin/login", new FormUrlEncodedContent([new("Email", email), new("Password", password), new("__RequestVerificationToken", token)]));
        var verifications = app.Hasher.Verified - before;
        var alert = Alert().Match(WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync())).Groups[1].Value;
        return (response.StatusCode, alert, verifications);
    }

    [GeneratedRegex("<div class=\"alert error\" role=\"alert\"[^>]*>([^<]*)</div>")]
    private static partial Regex Alert();
}
