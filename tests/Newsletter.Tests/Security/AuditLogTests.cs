using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Audit;
using Newsletter.Host.Hosting;
using Newsletter.Subscribers;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>
/// The audit log of staff actions: who, what, when, from where; shown to owners with a CSV export; append-only for
/// everyone, owners and the database's own users included.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class AuditLogTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private Task<List<AuditEntry>> EntriesAsync(string action) =>
        app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Id).ToListAsync());

    [Fact]
    public async Task Logins_staff_changes_template_edits_imports_exports_and_erasures_are_recorded_and_owners_read_and_export_them()
    {
        await StaffBrowser.CreateAccountAsync(app, "audit-owner@example.org", StaffRoles.Owner);
        var stranger = new StaffBrowser(app);
        var failed = await stranger.PostFormAsync("/admin/login", [new("Email", "audit-owner@example.org"), new("Password", "not it at all")]);
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync("audit-owner@example.org");

        var added = await owner.PostFormAsync("/admin/staff", [new("Email", "audit-editor@example.org"), new("Role", "Editor")]);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var template = "/admin/templates/edit?name=" + Uri.EscapeDataString("email/goodbye.txt");
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(template + "&handler=save", [new("Text", "Goodbye.")], template)).StatusCode);
        var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.OK, (await staff.PostAsync("/api/admin/subscribers/import", new StringContent("email\naudited@example.org\n", Encoding.UTF8, "text/csv"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/admin/subscribers/export")).StatusCode);
        var id = await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == "audited@example.org").Select(s => s.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/admin/subscribers/{id}")).StatusCode);
        Assert.Equal(0, await CommandLine.CreateStaffAsync(app.Services, ["audit-cli@example.org"], "Editor", new StringReader(""), false, new StringWriter()));

        var loginFailed = Assert.Single(await EntriesAsync(AuditActions.LoginFailed), e => e.Target == "audit-owner@example.org");
        Assert.Equal(("anonymous", "wrong password"), (loginFailed.Actor, loginFailed.Detail));
        // From where: the client's address as the service saw it (the in-process clients come as 192.0.2.10); the CLI has none.
        Assert.Equal(NewsletterApp.ClientIp, loginFailed.IpAddress);
        Assert.Single(await EntriesAsync(AuditActions.Login), e => e.Actor == "audit-owner@example.org" && e.IpAddress == NewsletterApp.ClientIp);
        Assert.Single(await EntriesAsync(AuditActions.StaffCreated), e => e.Actor == "audit-owner@example.org" && e.Target == "audit-editor@example.org");
        Assert.Single(await EntriesAsync(AuditActions.StaffCreated), e => e.Actor == "cli" && e.Target == "audit-cli@example.org" && e.IpAddress == null);
        Assert.Single(await EntriesAsync(AuditActions.TemplateSaved), e => e.Actor == "audit-owner@example.org" && e.Target == "email/goodbye.txt");
        Assert.Contains(await EntriesAsync(AuditActions.SubscribersImported), e => e.Actor.StartsWith("api-key", StringComparison.Ordinal) && e.Detail!.StartsWith("1 imported", StringComparison.Ordinal));
        Assert.Contains(await EntriesAsync(AuditActions.SubscribersExported), e => e.Actor.StartsWith("api-key", StringComparison.Ordinal));
        Assert.Single(await EntriesAsync(AuditActions.SubscriberErased), e => e.Target == $"subscriber {id}");

        // Owners read it on a page and export it; the export is an audited action too.
        var page = await owner.GetPageAsync("/admin/audit?actor=audit-owner");
        Assert.Contains("staff.created", page);
        Assert.Contains("audit-editor@example.org", page);
        Assert.DoesNotContain("subscriber.erased", page);
        var csv = await owner.Http.GetAsync("/admin/audit?handler=export&action=staff.");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("at,actor,action,target,detail,ip_address", lines[0].TrimEnd('\r'));
        Assert.Contains(lines, l => l.Contains(",audit-owner@example.org,staff.login,", StringComparison.Ordinal) && l.TrimEnd('\r').EndsWith("," + NewsletterApp.ClientIp, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("template.saved", StringComparison.Ordinal));
        Assert.Single(await EntriesAsync(AuditActions.AuditExported), e => e.Actor == "audit-owner@example.org");

        // Editors run the newsletter but do not read the audit log.
        await StaffBrowser.CreateAccountAsync(app, "audit-reader@example.org", StaffRoles.Editor);
        var editor = new StaffBrowser(app);
        await editor.LogInAsync("audit-reader@example.org");
        Assert.Equal("/admin/denied", (await editor.Http.GetAsync("/admin/audit")).Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Nobody_changes_or_deletes_an_entry_not_the_application_not_an_owner_not_the_database_user()
    {
        await StaffBrowser.CreateAccountAsync(app, "append-owner@example.org", StaffRoles.Owner);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync("append-owner@example.org");
        var before = await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking().OrderBy(e => e.Id).Select(e => $"{e.Id} {e.At:O} {e.Actor} {e.Action} {e.Target} {e.Detail}").ToListAsync());
        Assert.NotEmpty(before);

        // The page has nothing that writes: a post with a valid token only shows the page again.
        await owner.PostFormAsync("/admin/audit", [new("action", "staff.login"), new("id", "1")]);
        // Through EF: a tracked change is refused before any SQL goes out.
        var tracked = await Assert.ThrowsAsync<InvalidOperationException>(() => app.WithDbAsync(async db =>
        {
            var entry = await db.Set<AuditEntry>().FirstAsync();
            entry.Actor = "someone else";
            return await db.SaveChangesAsync();
        }));
        Assert.Contains("append-only", tracked.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => app.WithDbAsync(async db =>
        {
            db.Remove(await db.Set<AuditEntry>().FirstAsync());
            return await db.SaveChangesAsync();
        }));
        // Straight SQL (what an owner with the database password could send) is refused by the database itself.
        var updated = await Assert.ThrowsAnyAsync<Exception>(() => app.WithDbAsync(db => db.Set<AuditEntry>().ExecuteUpdateAsync(s => s.SetProperty(e => e.Actor, "nobody"))));
        Assert.Contains("append-only", updated.Message);
        var deleted = await Assert.ThrowsAnyAsync<Exception>(() => app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM \"AuditEntries\"")));
        Assert.Contains("append-only", deleted.Message);
        var after = await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking().OrderBy(e => e.Id).Select(e => $"{e.Id} {e.At:O} {e.Actor} {e.Action} {e.Target} {e.Detail}").ToListAsync());
        Assert.Equal(before, after.Take(before.Count));
    }
}
