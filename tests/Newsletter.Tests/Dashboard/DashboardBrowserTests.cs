using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Newsletter.Articles;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>
/// What staff do, in Chromium against the host on Kestrel: the first-run setup, logging in, a lockout after wrong
/// passwords, a reader subscribing through the public form and showing up on the Subscribers page, a CSV import,
/// sending a digest with its live progress bar, and recording an offline donation.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DashboardBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private const string OwnerEmail = "owner@browser.example";
    private const string OwnerPassword = "a long owner passphrase";

    [Fact]
    public async Task Staff_set_up_the_owner_log_in_see_a_new_reader_and_import_a_csv_in_a_real_browser()
    {
        var page = await app.NewPageAsync();
        // Script errors and CSP refusals show up in the console: the dashboard's pages must have none.
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add($"{page.Url}: {message.Text}"); };

        // First run: /admin leads to the one-time setup page.
        await page.GotoAsync("/admin");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/admin/setup$"));
        await page.GetByLabel("Setup token").FillAsync(StaffBrowser.SetupToken(app));
        await page.GetByLabel("Your email").FillAsync(OwnerEmail);
        await page.GetByLabel("Password (at least").FillAsync(OwnerPassword);
        await page.GetByLabel("The same password again").FillAsync(OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the owner account" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#subscribers")).ToContainTextAsync("Confirmed");
        await Assertions.Expect(page.Locator("#donations")).ToContainTextAsync("Recurring monthly revenue");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/admin/login$"));

        // Wrong passwords lock an account: after three, even the right password is refused.
        await StaffBrowser.CreateAccountAsync(app, "editor@browser.example", StaffRoles.Editor);
        for (var i = 0; i < 3; i++) await LogInAsync(page, "editor@browser.example", "wrong password " + i);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
        await LogInAsync(page, "editor@browser.example", StaffBrowser.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/admin/login"));

        // A reader subscribes through the public form and confirms from the email.
        var reader = await app.NewPageAsync();
        await reader.GotoAsync("/subscribe");
        await reader.GetByLabel("Email").FillAsync("grace@hopper.example");
        await reader.GetByLabel("Name (optional)").FillAsync("Grace Hopper");
        await reader.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "Check your inbox" })).ToBeVisibleAsync();
        var confirmation = await app.Smtp.WaitForMessageToAsync("grace@hopper.example");
        await reader.GotoAsync(Mail.Link(confirmation, "/confirm/"));
        await reader.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "You're subscribed" })).ToBeVisibleAsync();

        // The owner logs in and finds her by the start of her name.
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#subscribers canvas")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "overview.png"), FullPage = true });
        await page.GetByRole(AriaRole.Link, new() { Name = "Subscribers", Exact = true }).First.ClickAsync();
        await page.GetByLabel("Search (start of the email or name)").FillAsync("grac");
        var row = page.Locator("#results tbody tr").Filter(new() { HasText = "grace@hopper.example" });
        await Assertions.Expect(row).ToContainTextAsync("confirmed");
        await Assertions.Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "subscribers.png"), FullPage = true });
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "grace@hopper.example" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("confirmed");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("signup");

        // A CSV import: a progress bar, then the report with the line that was refused.
        var csv = Path.Combine(app.DataDirectory, "import.csv");
        await File.WriteAllTextAsync(csv, "email,name,frequency\nada@import.example,Ada,daily\nalan@import.example,Alan,weekly\nnot-an-address,Nobody,weekly\nkatherine@import.example,Katherine,sometimes\nmary@import.example,Mary,daily\n");
        await page.GotoAsync("/admin/subscribers/import");
        await page.GetByLabel("CSV file").SetInputFilesAsync(csv);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(page.Locator("#import-summary")).ToContainTextAsync("3 imported, 0 updated, 2 rejected");
        await Assertions.Expect(page.Locator("#import-errors")).ToContainTextAsync("4");
        await Assertions.Expect(page.Locator("#import-errors")).ToContainTextAsync("Frequency must be daily or weekly.");
        await Assertions.Expect(page.Locator("#import-status")).ToHaveTextAsync("Import finished.");
        Assert.Equal("1", await page.Locator("#import-progress").GetAttributeAsync("value") ?? await page.EvalOnSelectorAsync<string>("#import-progress", "p => String(p.value)"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "import.png"), FullPage = true });
        Assert.Equal(SubscriberStatus.Confirmed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == "mary@import.example").Select(s => s.Status).SingleAsync()));

        await page.GotoAsync("/admin/subscribers?status=confirmed&frequency=daily");
        await Assertions.Expect(page.Locator("#results")).ToContainTextAsync("mary@import.example");
        await Assertions.Expect(page.Locator("#results")).Not.ToContainTextAsync("alan@import.example");
        await SendADigestAndWatchItGoAsync(page);
        await RecordAnOfflineGiftAsync(page);
        await page.GotoAsync("/admin");
        await Assertions.Expect(page.Locator("#digests table")).ToContainTextAsync("weekly");
        await Assertions.Expect(page.Locator("#donations canvas")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "overview-with-digests-and-donations.png"), FullPage = true });

        // The login page answers 401 after a wrong password, which the browser logs as a failed resource: not a page error.
        var pageErrors = consoleErrors.Where(e => !e.Contains("401")).ToList();
        Assert.True(pageErrors.Count == 0, "Console errors:\n" + string.Join("\n", pageErrors));
    }

    /// <summary>Send now on the weekly digest: the confirmation names the audience, the bar fills without a reload, the mail arrives.</summary>
    private async Task SendADigestAndWatchItGoAsync(IPage page)
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ArticleStore>();
            foreach (var (id, title) in new[] { ("b-1", "Grace on compilers"), ("b-2", "A week of films") })
                await store.UpsertAsync(new ArticleInput(id, title, $"https://blog.example/{id}", "Staff", DateTime.UtcNow.AddMinutes(-30), "<p>Read it.</p>", null, [], null), "test", CancellationToken.None);
        }
        var audience = await app.WithDbAsync(db => db.Set<Subscriber>().CountAsync(s => s.Status == SubscriberStatus.Confirmed && s.Frequency == DigestFrequency.Weekly && s.Topics == ""));
        Assert.True(audience >= 2, $"the weekly audience is {audience}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Digests", Exact = true }).First.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send weekly now…" }).ClickAsync();
        await Assertions.Expect(page.Locator("#audience")).ToHaveTextAsync(audience.ToString());
        await Assertions.Expect(page.FrameLocator("#preview-html").Locator("body")).ToContainTextAsync("Grace on compilers");
        // The mail server holds every message at the end of DATA until the test lets go: the bar is seen below 100%
        // for as long as the test needs, however fast or slow the machine, then seen to fill without a reload.
        var letGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Smtp.BeforeDataReply = () => letGo.Task;
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = $"Send to {audience} reader(s) now" }).ClickAsync();
            await Assertions.Expect(page.Locator("#progress")).ToHaveAttributeAsync("data-done", "false");
            await Assertions.Expect(page.Locator("#count-sent")).ToHaveTextAsync("0");
            Assert.DoesNotContain("100%", await page.Locator("#progress-text").TextContentAsync());
            await page.EvaluateAsync("() => window.notReloaded = true");
            letGo.SetResult();
            await Assertions.Expect(page.Locator("#progress-text")).ToContainTextAsync("100%", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#count-sent")).ToHaveTextAsync(audience.ToString());
            await Assertions.Expect(page.Locator("#count-remaining")).ToHaveTextAsync("0");
            Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page reloaded instead of updating the bar");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "digest-progress.png"), FullPage = true });
        }
        finally
        {
            letGo.TrySetResult();
            app.Smtp.BeforeDataReply = null;
        }
        var mail = await app.Smtp.WaitForMessageToAsync("grace@hopper.example", m => m.TextBody?.Contains("Grace on compilers") == true);
        Assert.Contains("Hello Grace Hopper,", mail.TextBody);
    }

    /// <summary>An offline gift typed into the Donations page changes the total shown.</summary>
    private static async Task RecordAnOfflineGiftAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Donations", Exact = true }).First.ClickAsync();
        await Assertions.Expect(page.Locator("#totals")).Not.ToContainTextAsync("USD");
        await page.GetByLabel("Date").FillAsync(DateTime.UtcNow.ToString("yyyy-MM-dd"));
        await page.GetByLabel("Amount").FillAsync("12.34");
        await page.GetByLabel("Currency").Last.FillAsync("usd");
        await page.GetByLabel("Source").FillAsync("cheque");
        await page.GetByLabel("Reference").FillAsync("CHQ-7");
        await page.GetByLabel("Donor name").FillAsync("Katherine J.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record gift" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Offline gift recorded.");
        await Assertions.Expect(page.Locator("#totals")).ToContainTextAsync("12.34 USD");
        await Assertions.Expect(page.Locator("#donations-list")).ToContainTextAsync("Katherine J.");
    }

    private static async Task LogInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        // Done when the server has answered the form (a wrong password is counted by then). Waiting for the page's
        // DOMContentLoaded after the click instead hung for 60 s in a CI rehearsal (its log had "load" and
        // "networkidle" fired): that wait depends on which document it attaches to, this one on the server alone.
        await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync(),
            response => response.Request.Method == "POST" && response.Url.Contains("/admin/login", StringComparison.Ordinal));
    }
}
