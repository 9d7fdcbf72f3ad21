using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Staff;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>An owner manages staff at /admin/staff: role, unlock, password reset, removal, and the guards, through the host's HTTP pipeline (TestServer).</summary>
[Collection(HostCollection.Name)]
public sealed partial class StaffManagementTests(StaffManagementTests.App app) : IClassFixture<StaffManagementTests.App>
{
    /// <summary>A host of its own: the last-owner test demotes owners, and open sessions are checked on every request.</summary>
    public sealed class App : NewsletterApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Staff:MaxFailedAccessAttempts", "3"),
            new("Staff:LockoutDuration", "00:10:00"),
            new("Staff:SessionRecheckInterval", "00:00:00"),
        ];
    }

    private const string StaffPage = "/admin/staff";

    private async Task<StaffBrowser> OwnerAsync(string email)
    {
        await StaffBrowser.CreateAccountAsync(app, email, StaffRoles.Owner);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync(email);
        return owner;
    }

    private Task<string> IdOfAsync(string email) => app.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

    private Task<string> RoleOfAsync(string email) => app.WithDbAsync(db =>
        db.UserRoles.Where(r => db.Users.Any(u => u.Id == r.UserId && u.Email == email)).Select(r => db.Roles.Single(x => x.Id == r.RoleId).Name!).SingleAsync());

    private static async Task<string> BodyAsync(HttpResponseMessage response) => WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    [Fact]
    public async Task An_editor_made_owner_can_manage_staff_at_once_and_an_owner_made_editor_cannot()
    {
        var owner = await OwnerAsync("role-owner@example.org");
        await StaffBrowser.CreateAccountAsync(app, "role-editor@example.org", StaffRoles.Editor);
        var editor = new StaffBrowser(app);
        await editor.LogInAsync("role-editor@example.org");
        Assert.Equal("/admin/denied", (await editor.Http.GetAsync(StaffPage)).Headers.Location?.AbsolutePath);

        var promoted = await owner.PostFormAsync($"{StaffPage}?handler=role", [new("id", await IdOfAsync("role-editor@example.org")), new("newRole", "Owner")], StaffPage);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Contains("role-editor@example.org is now Owner.", await BodyAsync(promoted));
        Assert.Equal(StaffRoles.Owner, await RoleOfAsync("role-editor@example.org"));
        // The session already open picks the new role up, and so does a new login.
        Assert.Contains("role-owner@example.org", await editor.GetPageAsync(StaffPage));
        var fresh = new StaffBrowser(app);
        await fresh.LogInAsync("role-editor@example.org");
        await fresh.GetPageAsync(StaffPage);

        // And back: the demoted account's open session loses the staff page.
        var demoted = await owner.PostFormAsync($"{StaffPage}?handler=role", [new("id", await IdOfAsync("role-editor@example.org")), new("newRole", "Editor")], StaffPage);
        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);
        Assert.Equal(StaffRoles.Editor, await RoleOfAsync("role-editor@example.org"));
        Assert.Equal("/admin/denied", (await fresh.Http.GetAsync(StaffPage)).Headers.Location?.AbsolutePath);
        Assert.Equal("/admin/denied", (await editor.Http.GetAsync(StaffPage)).Headers.Location?.AbsolutePath);
        await editor.GetPageAsync("/admin/subscribers");

        var unknownRole = await owner.PostFormAsync($"{StaffPage}?handler=role", [new("id", await IdOfAsync("role-editor@example.org")), new("newRole", "Admin")], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, unknownRole.StatusCode);
        Assert.Equal(StaffRoles.Editor, await RoleOfAsync("role-editor@example.org"));
    }

    [Fact]
    public async Task Unlocking_lets_a_locked_out_account_log_in_again()
    {
        var owner = await OwnerAsync("unlock-owner@example.org");
        await StaffBrowser.CreateAccountAsync(app, "locked@example.org", StaffRoles.Editor);
        var locked = new StaffBrowser(app);
        for (var i = 0; i < 3; i++)
            await locked.PostFormAsync("/admin/login", [new("Email", "locked@example.org"), new("Password", "wrong password " + i)]);
        var refused = await locked.PostFormAsync("/admin/login", [new("Email", "locked@example.org"), new("Password", StaffBrowser.Password)]);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("locked out", await owner.GetPageAsync(StaffPage));

        var unlocked = await owner.PostFormAsync($"{StaffPage}?handler=unlock", [new("id", await IdOfAsync("locked@example.org"))], StaffPage);
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        Assert.Contains("locked@example.org is unlocked", await BodyAsync(unlocked));
        await locked.LogInAsync("locked@example.org");
        await locked.GetPageAsync("/admin/subscribers");
    }

    [Fact]
    public async Task A_password_reset_hands_out_a_one_time_password_that_logs_in_and_must_be_changed_and_ends_old_sessions()
    {
        var owner = await OwnerAsync("reset-owner@example.org");
        await StaffBrowser.CreateAccountAsync(app, "forgetful@example.org", StaffRoles.Editor);
        var oldSession = new StaffBrowser(app);
        await oldSession.LogInAsync("forgetful@example.org");

        var reset = await owner.PostFormAsync($"{StaffPage}?handler=reset", [new("id", await IdOfAsync("forgetful@example.org"))], StaffPage);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var oneTime = OneTimePasswordPattern().Match(await reset.Content.ReadAsStringAsync());
        Assert.True(oneTime.Success);
        var password = WebUtility.HtmlDecode(oneTime.Groups[1].Value);
        Assert.True(password.Length >= 20);
        // Shown once: the page does not show it again.
        Assert.DoesNotContain(password, await owner.GetPageAsync(StaffPage));

        Assert.Equal("/admin/login", (await oldSession.Http.GetAsync("/admin/subscribers")).Headers.Location?.AbsolutePath);
        var oldPassword = await new StaffBrowser(app).PostFormAsync("/admin/login", [new("Email", "forgetful@example.org"), new("Password", StaffBrowser.Password)]);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);

        var user = new StaffBrowser(app);
        var first = await user.PostFormAsync("/admin/login", [new("Email", "forgetful@example.org"), new("Password", password)]);
        Assert.Equal("/admin/account/password", first.Headers.Location?.OriginalString);
        Assert.Equal("/admin/account/password", (await user.Http.GetAsync("/admin/subscribers")).Headers.Location?.OriginalString);
        var changed = await user.PostFormAsync("/admin/account/password",
            [new("CurrentPassword", password), new("NewPassword", "my own passphrase again"), new("ConfirmPassword", "my own passphrase again")]);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await user.GetPageAsync("/admin/subscribers");
    }

    [Fact]
    public async Task Removal_needs_the_typed_address_then_deletes_the_account_and_its_login_stops_working()
    {
        var owner = await OwnerAsync("remove-owner@example.org");
        await StaffBrowser.CreateAccountAsync(app, "leaving@example.org", StaffRoles.Owner);
        var leaving = new StaffBrowser(app);
        await leaving.LogInAsync("leaving@example.org");
        var id = await IdOfAsync("leaving@example.org");

        var mistyped = await owner.PostFormAsync($"{StaffPage}?handler=remove", [new("id", id), new("confirmEmail", "leavng@example.org")], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, mistyped.StatusCode);
        Assert.Contains("type its email address exactly", await BodyAsync(mistyped));
        Assert.True(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == id)));

        var removed = await owner.PostFormAsync($"{StaffPage}?handler=remove", [new("id", id), new("confirmEmail", " Leaving@example.org ")], StaffPage);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Contains("leaving@example.org was removed.", await BodyAsync(removed));
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == id)));
        Assert.False(await app.WithDbAsync(db => db.UserRoles.AnyAsync(r => r.UserId == id)));

        Assert.Equal("/admin/login", (await leaving.Http.GetAsync("/admin/subscribers")).Headers.Location?.AbsolutePath);
        var login = await new StaffBrowser(app).PostFormAsync("/admin/login", [new("Email", "leaving@example.org"), new("Password", StaffBrowser.Password)]);
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);

        var again = await owner.PostFormAsync($"{StaffPage}?handler=remove", [new("id", id), new("confirmEmail", "leaving@example.org")], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task An_owner_cannot_demote_remove_or_reset_themselves_here()
    {
        var owner = await OwnerAsync("self-owner@example.org");
        await StaffBrowser.CreateAccountAsync(app, "other-owner@example.org", StaffRoles.Owner);
        var id = await IdOfAsync("self-owner@example.org");
        var stampBefore = await app.WithDbAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.SecurityStamp).SingleAsync());

        var demote = await owner.PostFormAsync($"{StaffPage}?handler=role", [new("id", id), new("newRole", "Editor")], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, demote.StatusCode);
        Assert.Contains("You cannot demote yourself", await BodyAsync(demote));
        var remove = await owner.PostFormAsync($"{StaffPage}?handler=remove", [new("id", id), new("confirmEmail", "self-owner@example.org")], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, remove.StatusCode);
        Assert.Contains("You cannot remove your own account", await BodyAsync(remove));
        var reset = await owner.PostFormAsync($"{StaffPage}?handler=reset", [new("id", id)], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, reset.StatusCode);

        Assert.Equal(StaffRoles.Owner, await RoleOfAsync("self-owner@example.org"));
        Assert.Equal(stampBefore, await app.WithDbAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.SecurityStamp).SingleAsync()));
        await owner.GetPageAsync(StaffPage);
        await new StaffBrowser(app).LogInAsync("self-owner@example.org");
    }

    [Fact]
    public async Task The_last_owner_can_never_be_demoted_or_removed()
    {
        await StaffBrowser.CreateAccountAsync(app, "last-owner@example.org", StaffRoles.Owner);
        // Without an acting account (as with the API key, which is no account), only the last-owner rule stands in the way.
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<StaffAccounts>();
        var others = await app.WithDbAsync(db => db.Users.Where(u => u.Email != "last-owner@example.org"
            && db.UserRoles.Any(r => r.UserId == u.Id && db.Roles.Any(x => x.Id == r.RoleId && x.Name == StaffRoles.Owner))).Select(u => u.Id).ToListAsync());
        foreach (var other in others)
            Assert.True((await accounts.ChangeRoleAsync(other, StaffRoles.Editor, null, CancellationToken.None)).Succeeded);

        var id = await IdOfAsync("last-owner@example.org");
        var demote = await accounts.ChangeRoleAsync(id, StaffRoles.Editor, null, CancellationToken.None);
        Assert.Equal(["last-owner@example.org is the last owner: make another account an Owner first."], demote.Errors);
        var remove = await accounts.RemoveAsync(id, "last-owner@example.org", null, CancellationToken.None);
        Assert.Equal(["last-owner@example.org is the last owner: make another account an Owner first."], remove.Errors);
        Assert.Equal(StaffRoles.Owner, await RoleOfAsync("last-owner@example.org"));

        // Over HTTP the last owner is always the one logged in; the page refuses (self rule) and changes nothing.
        var owner = new StaffBrowser(app);
        await owner.LogInAsync("last-owner@example.org");
        var refused = await owner.PostFormAsync($"{StaffPage}?handler=role", [new("id", id), new("newRole", "Editor")], StaffPage);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(StaffRoles.Owner, await RoleOfAsync("last-owner@example.org"));
        await owner.GetPageAsync(StaffPage);

        // Once another owner exists, the former last owner can be demoted by them, over the same form.
        await StaffBrowser.CreateAccountAsync(app, "second-owner@example.org", StaffRoles.Owner);
        var second = new StaffBrowser(app);
        await second.LogInAsync("second-owner@example.org");
        var demoted = await second.PostFormAsync($"{StaffPage}?handler=role", [new("id", id), new("newRole", "Editor")], StaffPage);
        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);
        Assert.Contains("last-owner@example.org is now Editor.", await BodyAsync(demoted));
        Assert.Equal(StaffRoles.Editor, await RoleOfAsync("last-owner@example.org"));
        // And the new last owner is protected in turn.
        var secondId = await IdOfAsync("second-owner@example.org");
        Assert.Equal(["second-owner@example.org is the last owner: make another account an Owner first."],
            (await accounts.ChangeRoleAsync(secondId, StaffRoles.Editor, null, CancellationToken.None)).Errors);
        foreach (var other in others)
            Assert.True((await accounts.ChangeRoleAsync(other, StaffRoles.Owner, null, CancellationToken.None)).Succeeded);
    }

    [Fact]
    public async Task An_editor_cannot_post_any_staff_change_and_no_change_works_without_the_antiforgery_token()
    {
        var owner = await OwnerAsync("guard-owner@example.org");
        await StaffBrowser.CreateAccountAsync(app, "guard-editor@example.org", StaffRoles.Editor);
        var editor = new StaffBrowser(app);
        await editor.LogInAsync("guard-editor@example.org");
        var ownerId = await IdOfAsync("guard-owner@example.org");
        var editorId = await IdOfAsync("guard-editor@example.org");
        var stamp = await app.WithDbAsync(db => db.Users.Where(u => u.Id == ownerId).Select(u => u.SecurityStamp).SingleAsync());

        (string Handler, KeyValuePair<string, string>[] Fields)[] posts =
        [
            ("role", [new("id", ownerId), new("newRole", "Editor")]),
            ("role", [new("id", editorId), new("newRole", "Owner")]),
            ("unlock", [new("id", ownerId)]),
            ("reset", [new("id", ownerId)]),
            ("remove", [new("id", ownerId), new("confirmEmail", "guard-owner@example.org")]),
        ];
        foreach (var (handler, fields) in posts)
        {
            // The editor's token is genuine (taken from a page they may open): the role is what refuses them.
            var response = await editor.PostFormAsync($"{StaffPage}?handler={handler}", fields, "/admin/account/password");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/admin/denied", response.Headers.Location?.AbsolutePath);
            var noToken = await owner.Http.PostAsync($"{StaffPage}?handler={handler}", new FormUrlEncodedContent(fields));
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        }
        Assert.Equal(StaffRoles.Owner, await RoleOfAsync("guard-owner@example.org"));
        Assert.Equal(StaffRoles.Editor, await RoleOfAsync("guard-editor@example.org"));
        Assert.Equal(stamp, await app.WithDbAsync(db => db.Users.Where(u => u.Id == ownerId).Select(u => u.SecurityStamp).SingleAsync()));
        await new StaffBrowser(app).LogInAsync("guard-owner@example.org");
    }

    [GeneratedRegex("<code id=\"one-time-password\">([^<]+)</code>")]
    private static partial Regex OneTimePasswordPattern();
}
