using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Staff;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Dashboard;

/// <summary>
/// An HTTP client that behaves like a staff member's browser: keeps cookies (over https, since the login cookie is
/// Secure), does not follow redirects so tests see them, and fills the antiforgery token the way the form does.
/// </summary>
public sealed partial class StaffBrowser(NewsletterApp app)
{
    public const string Password = "correct horse battery staple";

    public HttpClient Http { get; } = app.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://localhost"),
        AllowAutoRedirect = false,
        HandleCookies = true,
    });

    /// <summary>Creates a staff account directly through the service (as the CLI does) with a chosen password.</summary>
    public static async Task CreateAccountAsync(NewsletterApp app, string email, string role)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().CreateAsync(email, role, Password, CancellationToken.None);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors));
    }

    /// <summary>The account, made the first time a test of this app asks for it (a class's tests share one app).</summary>
    public static async Task EnsureAccountAsync(NewsletterApp app, string email, string role)
    {
        if (!await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)))
            await CreateAccountAsync(app, email, role);
    }

    /// <summary>Logs in through the login form; fails the test unless the login succeeds.</summary>
    public async Task LogInAsync(string email, string password = Password)
    {
        var response = await PostFormAsync("/admin/login", [new("Email", email), new("Password", password)]);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>GETs a page and returns its HTML, failing unless it answers 200.</summary>
    public async Task<string> GetPageAsync(string url)
    {
        var response = await Http.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {response.Headers.Location}\n{html}");
        return html;
    }

    /// <summary>Submits a form as the browser would: first GETs <paramref name="formPage"/> for its antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string url, IEnumerable<KeyValuePair<string, string>> fields, string? formPage = null) =>
        await Http.PostAsync(url, new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", await AntiforgeryTokenAsync(formPage ?? url)))));

    /// <summary>GETs a form page (which sets the antiforgery cookie) and returns the token its form carries.</summary>
    public async Task<string> AntiforgeryTokenAsync(string formPage)
    {
        var page = await Http.GetStringAsync(formPage);
        var token = TokenPattern().Match(page);
        Assert.True(token.Success, "The form page has no antiforgery token:\n" + page);
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    /// <summary>The first-run setup token, as the operator reads it from the data directory.</summary>
    public static string SetupToken(NewsletterApp app) => File.ReadAllText(Path.Combine(app.DataDirectory, Newsletter.Staff.FirstRunSetup.FileName)).Trim();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
