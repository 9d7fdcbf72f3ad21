using System.Net;
using Microsoft.EntityFrameworkCore;
using Newsletter.Templates;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>Every response carries the security headers; public pages a policy without scripts; only owners edit the layouts.</summary>
[Collection(HostCollection.Name)]
public sealed class SecurityHeadersTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Theory]
    [InlineData("GET", "/subscribe", true)]
    [InlineData("POST", "/subscribe", true)]
    [InlineData("GET", "/subscribe/embed", true)]
    [InlineData("GET", "/confirm/not-a-token", true)]
    [InlineData("GET", "/preferences/not-a-token", true)]
    [InlineData("GET", "/unsubscribe/not-a-token", true)]
    [InlineData("GET", "/archive", true)]
    [InlineData("GET", "/archive/12345", true)]
    [InlineData("GET", "/donate", true)]
    [InlineData("GET", "/healthz", false)]
    [InlineData("POST", "/api/subscribers", false)]
    [InlineData("POST", "/webhooks/stripe", false)]
    [InlineData("GET", "/admin/login", false)]
    [InlineData("GET", "/admin", false)]
    [InlineData("GET", "/assets/dashboard.css", false)]
    [InlineData("GET", "/no-such-page", false)]
    public async Task Every_response_has_nosniff_a_referrer_policy_and_no_framing_and_public_pages_allow_no_script(string method, string url, bool publicPage)
    {
        using var response = await app.CreateReaderClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = method == "POST" ? new StringContent("") : null,
        });
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains(response.Headers.GetValues("Referrer-Policy").Single(), new[] { "no-referrer", "same-origin" });
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy);
        if (!publicPage) return;
        Assert.Contains("default-src 'none'", policy);
        Assert.DoesNotContain("script-src", policy);
        Assert.Contains("form-action 'self'", policy);
        Assert.Contains("base-uri 'none'", policy);
    }

    [Theory]
    [InlineData("pages/layout")]
    [InlineData("pages/embed-layout")]
    [InlineData("email/layout.html")]
    public async Task An_editor_cannot_change_a_layout_that_public_pages_use_and_an_owner_can(string name)
    {
        var editorEmail = $"layout-editor-{name.Replace('/', '-')}@example.org";
        await StaffBrowser.CreateAccountAsync(app, editorEmail, StaffRoles.Editor);
        var editor = new StaffBrowser(app);
        await editor.LogInAsync(editorEmail);
        var page = $"/admin/templates/edit?name={Uri.EscapeDataString(name)}";
        Assert.Contains("only an owner can change it", await editor.GetPageAsync(page));
        var saved = await editor.PostFormAsync(page + "&handler=save", [new("Text", "<p>{{ content | raw }}</p><script>alert(1)</script>")], page);
        Assert.Equal(HttpStatusCode.Forbidden, saved.StatusCode);
        var reset = await editor.PostFormAsync(page + "&handler=reset", [], page);
        Assert.Equal(HttpStatusCode.Forbidden, reset.StatusCode);
        Assert.False(await app.WithDbAsync(db => db.Set<TemplateOverride>().AnyAsync(t => t.Name == name)));
        // Other templates stay open to editors.
        var other = "/admin/templates/edit?name=" + Uri.EscapeDataString("email/goodbye.txt");
        Assert.Equal(HttpStatusCode.Redirect, (await editor.PostFormAsync(other + "&handler=save", [new("Text", "Goodbye, {{ name }}.")], other)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await editor.PostFormAsync(other + "&handler=reset", [], other)).StatusCode);

        var ownerEmail = $"layout-owner-{name.Replace('/', '-')}@example.org";
        await StaffBrowser.CreateAccountAsync(app, ownerEmail, StaffRoles.Owner);
        var owner = new StaffBrowser(app);
        await owner.LogInAsync(ownerEmail);
        var ownerSave = await owner.PostFormAsync(page + "&handler=save", [new("Text", "<main>{{ content | raw }}</main>")], page);
        Assert.Equal(HttpStatusCode.Redirect, ownerSave.StatusCode);
        Assert.True(await app.WithDbAsync(db => db.Set<TemplateOverride>().AnyAsync(t => t.Name == name)));
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync(page + "&handler=reset", [], page)).StatusCode);
    }
}
