using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Newsletter.ApiKeys;
using Newsletter.Audit;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>
/// API keys are named, scoped, hashed at rest, made and revoked by owners, valid only under /api; the key from settings
/// still has every /api scope (a short key in settings stops the host: see ConfigurationTests).
/// </summary>
[Collection(HostCollection.Name)]
public sealed partial class ApiKeyTests(ApiKeyTests.App app) : IClassFixture<ApiKeyTests.App>
{
    public sealed class App : NewsletterApp;

    private const string Article = """{"title": "Pushed", "link": "https://blog.example/pushed", "publishedAt": "2026-11-30T10:00:00Z", "summary": "<p>Hi.</p>"}""";

    [Fact]
    public async Task The_key_from_settings_opens_every_api_scope_but_no_dashboard_page_and_cannot_make_an_owner()
    {
        var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/admin/subscribers")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await staff.PutAsync("/api/articles/from-settings", Json(Article))).StatusCode);
        // The review's path from the CMS's key to an owner: the staff page and its form.
        foreach (var url in new[] { "/admin/staff", "/admin", "/admin/jobs", "/admin/api-keys" })
        {
            var page = await staff.GetAsync(url);
            Assert.True(page.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized, $"{url} answered {(int)page.StatusCode} to an API key");
        }
        using var bearer = app.CreateReaderClient();
        bearer.DefaultRequestHeaders.Add("Authorization", "Bearer " + NewsletterApp.StaffApiKey);
        Assert.NotEqual(HttpStatusCode.OK, (await bearer.GetAsync("/admin/staff")).StatusCode);
        var post = await staff.PostAsync("/admin/staff", new FormUrlEncodedContent([new("Email", "cms-owner@example.org"), new("Role", "Owner")]));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "cms-owner@example.org")));
    }

    [Fact]
    public async Task An_owner_makes_a_push_only_key_for_the_cms_which_pushes_articles_and_nothing_else_until_revoked()
    {
        await StaffBrowser.CreateAccountAsync(app, "keys-owner@example.org", StaffRoles.Owner);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync("keys-owner@example.org");
        var created = await owner.PostFormAsync("/admin/api-keys", [new("Name", "The CMS"), new("Scopes", ApiScopes.ArticlesPush)]);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var key = NewKey().Match(WebUtility.HtmlDecode(await created.Content.ReadAsStringAsync())).Groups[1].Value;
        Assert.StartsWith("nlk_", key);
        Assert.True(key.Length >= 32, key);
        // Only a hash is kept, and the page never shows the key again.
        var row = await app.WithDbAsync(db => db.Set<ApiKey>().AsNoTracking().SingleAsync(k => k.Name == "The CMS"));
        Assert.Equal(ApiScopes.ArticlesPush, row.Scopes);
        Assert.DoesNotContain(key[^20..], row.SecretHash + row.Prefix);
        Assert.DoesNotContain(key, await owner.GetPageAsync("/admin/api-keys"));
        // Audited: who made which key with which scopes; never the key itself.
        var made = Assert.Single(await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking().Where(e => e.Action == AuditActions.ApiKeyCreated && e.Target!.StartsWith("The CMS")).ToListAsync()));
        Assert.Equal(("keys-owner@example.org", $"The CMS ({row.Prefix})", ApiScopes.ArticlesPush), (made.Actor, made.Target, made.Detail));
        Assert.DoesNotContain(key[^20..], made.Target + made.Detail);

        using var cms = Client(key);
        Assert.Equal(HttpStatusCode.Created, (await cms.PutAsync("/api/articles/cms-1", Json(Article))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cms.GetAsync("/api/admin/subscribers")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cms.PostAsJsonAsync("/api/admin/digests/plan", new { frequency = "daily" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cms.DeleteAsync("/api/admin/subscribers/1")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await cms.GetAsync("/admin/subscribers")).StatusCode);

        // A read key reads and changes nothing.
        var reader = await owner.PostFormAsync("/admin/api-keys", [new("Name", "Reports"), new("Scopes", ApiScopes.AdminRead)]);
        using var reports = Client(NewKey().Match(WebUtility.HtmlDecode(await reader.Content.ReadAsStringAsync())).Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, (await reports.GetAsync("/api/admin/subscribers")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reports.PostAsync("/api/admin/subscribers/import", new StringContent("email\nx@example.org\n", System.Text.Encoding.UTF8, "text/csv"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reports.PutAsync("/api/articles/reports-1", Json(Article))).StatusCode);

        // Revoked: nothing opens, at once.
        var revoked = await owner.PostFormAsync("/admin/api-keys?handler=revoke", [new("id", row.Id.ToString())], "/admin/api-keys");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cms.PutAsync("/api/articles/cms-2", Json(Article))).StatusCode);
        Assert.Contains(await app.WithDbAsync(db => db.Set<AuditEntry>().Select(e => e.Action + " " + e.Target).ToListAsync()), e => e.StartsWith(AuditActions.ApiKeyRevoked + " The CMS", StringComparison.Ordinal));

        // Editors do not manage keys.
        await StaffBrowser.CreateAccountAsync(app, "keys-editor@example.org", StaffRoles.Editor);
        var editor = new StaffBrowser(app);
        await editor.LogInAsync("keys-editor@example.org");
        Assert.Equal("/admin/denied", (await editor.Http.GetAsync("/admin/api-keys")).Headers.Location?.AbsolutePath);
    }

    private HttpClient Client(string key)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = NewsletterApp.HttpsBase, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex("<code id=\"new-key\">([^<]+)</code>")]
    private static partial Regex NewKey();
}
