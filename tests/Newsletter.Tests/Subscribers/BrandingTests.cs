using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

public sealed class BrandedApp : NewsletterApp
{
    public const string Logo = "https://cdn.example.org/logo.png";
    public const string Home = "https://blog.example.org/";
    public const string Privacy = "https://blog.example.org/privacy";
    public const string Accent = "#8b1f3a";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Site:LogoUrl", Logo),
        new("Site:HomeUrl", Home),
        new("Site:PrivacyUrl", Privacy),
        new("Site:AccentColor", Accent),
    ];
}

/// <summary>Site:LogoUrl, HomeUrl, PrivacyUrl and AccentColor on the pages and in the emails; / as a landing page.</summary>
[Collection(HostCollection.Name)]
public sealed partial class BrandingTests(BrandedApp app) : IClassFixture<BrandedApp>
{
    private const string Header = $"<header class=\"site\"><a href=\"{BrandedApp.Home}\"><img src=\"{BrandedApp.Logo}\" alt=\"The Test Review\"></a></header>";

    [Fact]
    public async Task The_landing_page_has_the_brand_the_sign_up_and_the_latest_issues()
    {
        await app.WithDbAsync(async db =>
        {
            db.Add(new DigestIssue { Key = "brand-sent", Subject = "An issue people got", State = DigestIssueState.Sent, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow });
            db.Add(new DigestIssue { Key = "brand-planned", Subject = "Not sent yet", State = DigestIssueState.Planned, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        });
        var response = await app.CreateReaderClient().GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var home = await response.Content.ReadAsStringAsync();
        Assert.Contains(Header, home);
        Assert.Single(H1().Matches(home));
        Assert.Contains("<form method=\"post\" action=\"/subscribe\">", home);
        Assert.Contains("name=\"website\"", home);
        Assert.Contains("An issue people got", home);
        Assert.DoesNotContain("Not sent yet", home);
        // Donations are not set up in this test: no donate link.
        Assert.DoesNotContain("/donate", home);
        Assert.Contains($"<a href=\"{BrandedApp.Privacy}\">privacy policy</a>", home);
        Assert.Contains($"background: {BrandedApp.Accent}", home);
        Assert.Contains("<title>The Test Review</title>", home);

        foreach (var url in new[] { "/subscribe", "/archive", "/confirm/not-a-token" })
        {
            var page = await (await app.CreateReaderClient().GetAsync(url)).Content.ReadAsStringAsync();
            Assert.Contains(Header, page);
            Assert.Contains($"<footer><a href=\"{BrandedApp.Privacy}\">Privacy policy</a></footer>", page);
        }
        Assert.Contains(BrandedApp.Privacy, await app.CreateReaderClient().GetStringAsync("/subscribe/embed"));
    }

    [Fact]
    public async Task Emails_carry_the_logo_linking_home_and_the_accent_colour()
    {
        await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "brand@example.org" });
        var confirmation = await app.Smtp.WaitForMessageToAsync("brand@example.org");
        Assert.Contains($"<a href=\"{BrandedApp.Home}\" style=\"color:#222;text-decoration:none;\"><img src=\"{BrandedApp.Logo}\" alt=\"The Test Review\"", confirmation.HtmlBody);
        Assert.Contains($"background:{BrandedApp.Accent}", confirmation.HtmlBody);
    }

    [GeneratedRegex("<h1[ >]")]
    private static partial Regex H1();
}
