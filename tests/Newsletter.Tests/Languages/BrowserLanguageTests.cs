using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Newsletter.Subscribers;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Languages;

/// <summary>
/// A reader whose Chromium speaks German (its locale sends <c>Accept-Language: de-DE</c>) signs up on our page over
/// real Kestrel: the form, its errors and the thanks are German with no English left, and the reader is kept as German.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class BrowserLanguageTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task A_German_browser_gets_the_sign_up_in_German_and_the_reader_is_kept_as_German()
    {
        var context = await app.NewContextAsync(new BrowserNewContextOptions { Locale = "de-DE" });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/subscribe");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Abonnieren");
        Assert.Equal("de", await page.Locator("html").GetAttributeAsync("lang"));
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(await page.ContentAsync()), "/subscribe in a German browser");

        await page.GetByLabel("E-Mail-Adresse").FillAsync("browser-de@example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Abonnieren" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sehen Sie in Ihr Postfach");
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(await page.ContentAsync()), "the thanks page in a German browser");
        Assert.Equal("de", await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == "browser-de@example.org").Select(s => s.Language).SingleAsync()));
        var confirmation = await app.Smtp.WaitForMessageToAsync("browser-de@example.org");
        Assert.StartsWith("Bitte bestätigen Sie", confirmation.Subject);
        await context.CloseAsync();
    }
}
