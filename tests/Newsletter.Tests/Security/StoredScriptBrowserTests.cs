using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Newsletter.Templates;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Security;

/// <summary>
/// The review's stored-XSS exploit, in Chromium against the host on Kestrel: a script saved into the public layout
/// tries to make a new owner with the session of the owner who opens the sign-up page. It must not run.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class StoredScriptBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string OwnerEmail = "owner@csp.example";

    /// <summary>Reads the staff page's antiforgery token with the owner's cookie (Path=/admin goes with a same-origin fetch) and posts a new owner.</summary>
    private const string Exploit = """
        <script>
        window.__xss = 'ran';
        fetch('/admin/staff').then(r => r.text()).then(html => {
          const token = html.match(/name="__RequestVerificationToken" type="hidden" value="([^"]+)"/)[1];
          return fetch('/admin/staff', { method: 'POST', body: new URLSearchParams({ Email: 'mallory@evil.example', Role: 'Owner', __RequestVerificationToken: token }) });
        }).then(() => { window.__xss = 'owner created'; });
        </script>
        """;

    [Fact]
    public async Task A_script_saved_into_the_public_layout_does_not_run_when_a_logged_in_owner_opens_the_sign_up_page()
    {
        await StaffBrowser.CreateAccountAsync(app, OwnerEmail, StaffRoles.Owner);
        // However it got there (an editor's save before layouts were owner-only, a restored backup), the script is in force.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var library = scope.ServiceProvider.GetRequiredService<TemplateLibrary>();
            var layout = library.ReadFile("pages/layout").Replace("</body>", Exploit + "</body>", StringComparison.Ordinal);
            Assert.Null(await scope.ServiceProvider.GetRequiredService<TemplateStore>().SaveAsync("pages/layout", layout, "test", CancellationToken.None));
        }

        var page = await app.NewPageAsync();
        var refused = new List<string>();
        page.Console += (_, message) => { if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal)) refused.Add(message.Text); };
        await page.GotoAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync(OwnerEmail);
        await page.GetByLabel("Password").FillAsync(StaffBrowser.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        foreach (var url in new[] { "/subscribe", "/archive" })
        {
            var response = await page.GotoAsync(url);
            Assert.NotNull(response);
            // A script that ran would be done once it has set its last mark; one that never ran has set none.
            await page.WaitForFunctionAsync("() => window.__xss === undefined || window.__xss === 'owner created'");
            // The page itself still works: its heading and styles are there.
            await Assertions.Expect(page.Locator("main h1").First).ToBeVisibleAsync();
            Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
            var policy = await response!.HeaderValueAsync("content-security-policy");
            Assert.NotNull(policy);
            Assert.Contains("default-src 'none'", policy);
            Assert.DoesNotContain("script-src", policy);
        }
        // Chromium says why it did not run the script: the page's policy refused it.
        Assert.Contains(refused, text => text.Contains("inline script", StringComparison.Ordinal));
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "mallory@evil.example")), "the script made a new owner");
    }
}
