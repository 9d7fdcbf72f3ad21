using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Newsletter.Articles;
using Newsletter.Subscribers;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Web;

/// <summary>The host with Stripe keys (the donate form renders; Stripe itself is never called here).</summary>
public sealed class AccessibilityApp : BrowserApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        .. base.Settings,
        new("Stripe:SecretKey", "sk_test_axe_0123456789"),
        new("Stripe:WebhookSecret", "whsec_axe_0123456789"),
        new("Stripe:ApiBase", "http://127.0.0.1:9"),
    ];
}

/// <summary>
/// axe-core (vendored from npm, <c>Web/Axe</c>) on every public and staff page in Chromium, at 1280 and 390 px wide,
/// including pages showing form errors: no serious or critical violation. The Hangfire dashboard (/admin/jobs) is
/// Hangfire's own page and is left out.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class AccessibilityTests(AccessibilityApp app) : IClassFixture<AccessibilityApp>
{
    private const string OwnerEmail = "owner@axe.example";
    private static readonly string AxeSource = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Web", "Axe", "axe.min.js"));
    private static readonly (string Name, int Width, int Height)[] Widths = [("desktop", 1280, 900), ("phone", 390, 844)];

    [Fact]
    public async Task Every_public_and_staff_page_has_no_serious_or_critical_axe_violation_at_desktop_and_phone_widths()
    {
        var (publicPages, staffPages) = await SeedAsync();
        var failures = new List<string>();
        // First run: the setup page exists only until the owner does.
        foreach (var width in Widths)
        {
            var page = await NewPageAsync(width);
            await CheckAsync(page, "/admin/setup", width.Name, failures);
            await page.Context.CloseAsync();
        }
        await StaffBrowser.CreateAccountAsync(app, OwnerEmail, StaffRoles.Owner);

        foreach (var width in Widths)
        {
            var page = await NewPageAsync(width);
            foreach (var url in publicPages) await CheckAsync(page, url, width.Name, failures);

            // Errors on forms: the sign-up with a bad address, the donate form with a bad amount, a wrong password.
            await page.GotoAsync("/subscribe");
            await page.GetByLabel("Email").FillAsync("not-an-address");
            await page.Locator("form").EvaluateAsync("f => f.noValidate = true");
            await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
            await CheckCurrentAsync(page, "/subscribe (errors)", width.Name, failures);
            await page.GotoAsync("/donate");
            await page.GetByLabel("Or another amount").FillAsync("0.01");
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
            await CheckCurrentAsync(page, "/donate (errors)", width.Name, failures);
            await page.GotoAsync("/donate?lang=de");
            await page.GetByLabel("Oder ein anderer Betrag").FillAsync("0.01");
            await page.GetByLabel("E-Mail-Adresse für Ihre Spendenquittung").FillAsync("nobody-at-example.org");
            await page.Locator("form").EvaluateAsync("f => f.noValidate = true");
            await page.GetByRole(AriaRole.Button, new() { Name = "Weiter zur Zahlung" }).ClickAsync();
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
            await CheckCurrentAsync(page, "/donate?lang=de (errors)", width.Name, failures);
            await page.GotoAsync("/donate/manage?lang=de");
            await page.GetByLabel("Ihre E-Mail-Adresse").FillAsync("a@b");
            await page.Locator("form").EvaluateAsync("f => f.noValidate = true");
            await page.GetByRole(AriaRole.Button, new() { Name = "Link per E-Mail schicken" }).ClickAsync();
            await CheckCurrentAsync(page, "/donate/manage?lang=de (errors)", width.Name, failures);
            await page.GotoAsync("/admin/login");
            await page.GetByLabel("Email").FillAsync(OwnerEmail);
            await page.GetByLabel("Password").FillAsync("not the password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await CheckCurrentAsync(page, "/admin/login (errors)", width.Name, failures);

            await page.GetByLabel("Email").FillAsync(OwnerEmail);
            await page.GetByLabel("Password").FillAsync(StaffBrowser.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
            foreach (var url in staffPages) await CheckAsync(page, url, width.Name, failures);
            await MenuAndChartAsync(page, width.Width);
            await page.Context.CloseAsync();
        }
        Assert.True(failures.Count == 0, $"{failures.Count} serious or critical axe violations:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task Form_errors_are_tied_to_their_fields_and_focus_moves_to_the_first_one()
    {
        var page = await NewPageAsync(Widths[0]);
        await page.GotoAsync("/donate");
        await page.GetByLabel("Or another amount").FillAsync("0.01");
        await page.GetByLabel("Email for your receipt").FillAsync("nobody-at-example.org");
        await page.Locator("form").EvaluateAsync("f => f.noValidate = true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
        var amount = page.GetByLabel("Or another amount");
        await Assertions.Expect(amount).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(amount).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("The amount must be between"));
        await Assertions.Expect(amount).ToBeFocusedAsync();
        var email = page.GetByLabel("Email for your receipt");
        await Assertions.Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(email).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("."));
        await Assertions.Expect(page.GetByLabel("Name (optional)")).Not.ToHaveAttributeAsync("aria-invalid", "true");

        await page.GotoAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync("nobody@axe.example");
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Password")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.GetByLabel("Email")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("."));
        await Assertions.Expect(page.GetByLabel("Email")).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }

    private async Task<IPage> NewPageAsync((string Name, int Width, int Height) width)
    {
        // axe is injected as a script; the public pages' CSP allows none, so this context (and only it) bypasses CSP.
        var context = await app.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width.Width, Height = width.Height }, BypassCSP = true,
        });
        return await context.NewPageAsync();
    }

    private static async Task CheckAsync(IPage page, string url, string width, List<string> failures)
    {
        await page.GotoAsync(url);
        await CheckCurrentAsync(page, url, width, failures);
    }

    private static async Task CheckCurrentAsync(IPage page, string name, string width, List<string> failures)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.AddScriptTagAsync(new() { Content = AxeSource });
        var json = await page.EvaluateAsync<string>("""
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} at ` + v.nodes.slice(0, 4).map(n => n.target.join(' ') + (n.any[0]?.message ? ` (${n.any[0].message})` : '')).join('; ')));
            }
            """);
        foreach (var violation in JsonSerializer.Deserialize<string[]>(json)!) failures.Add($"{name} [{width}] {violation}");
        // One <h1> per page (axe does not count them): the page's own title, never two. The embedded form has none: it
        // lives in an iframe on the blog's page, whose own <h1> is the page's title.
        var headings = await page.Locator("h1").CountAsync();
        if (headings != (name.StartsWith("/subscribe/embed", StringComparison.Ordinal) ? 0 : 1)) failures.Add($"{name} [{width}] has {headings} <h1> elements");
        // Nothing may widen the page past the window (a phone scrolls down, never sideways).
        var (scrollWidth, innerWidth) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
        if (scrollWidth > innerWidth) failures.Add($"{name} [{width}] is {scrollWidth} px wide in a {innerWidth} px window");
    }

    /// <summary>
    /// Every menu entry lies inside the window and works; the overview chart's axes show whole numbers (its counts
    /// are small here, where Chart.js would otherwise step by 0.5).
    /// </summary>
    private static async Task MenuAndChartAsync(IPage page, int width)
    {
        await page.GotoAsync("/admin");
        var links = page.Locator("header nav a");
        Assert.True(await links.CountAsync() >= 10, "the menu has its entries");
        for (var i = 0; i < await links.CountAsync(); i++)
        {
            var box = await links.Nth(i).BoundingBoxAsync();
            Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= width, $"menu entry {await links.Nth(i).InnerTextAsync()} lies outside a {width} px window: {box?.X}+{box?.Width}");
        }
        var canvas = page.Locator("#subscribers canvas");
        await Assertions.Expect(canvas).ToBeVisibleAsync();
        var ticks = await canvas.EvaluateAsync<double[]>("c => { const chart = Chart.getChart(c); return [...chart.scales.y.ticks, ...chart.scales.y1.ticks].map(t => t.value); }");
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(Math.Round(t), t));
        var legend = await canvas.EvaluateAsync<string[]>("c => Chart.getChart(c).data.datasets.map(d => d.label)");
        Assert.Equal(["Confirmed readers", "Sign-ups", "Unsubscribes", "Resubscribes"], legend);
        await page.GetByRole(AriaRole.Link, new() { Name = "Templates", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Templates");
    }

    /// <summary>A reader of each kind, an article, a sent issue and a campaign, so every page shows real content.</summary>
    private async Task<(List<string> Public, List<string> Staff)> SeedAsync()
    {
        var now = DateTime.UtcNow;
        Subscriber Reader(string email, SubscriberStatus status) => new()
        {
            Email = email, EmailKey = email, Name = "Axe Reader", Frequency = DigestFrequency.Daily, Status = status,
            CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConfirmedAt = status == SubscriberStatus.Confirmed ? now : null, ConsentSource = "test",
        };
        var (confirmed, pending) = (Reader("confirmed@axe.example", SubscriberStatus.Confirmed), Reader("pending@axe.example", SubscriberStatus.Unconfirmed));
        await app.WithDbAsync(async db => { db.AddRange(confirmed, pending); await db.SaveChangesAsync(); });
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ArticleStore>();
            await store.UpsertAsync(new ArticleInput("axe-1", "Reading in the dark", "https://blog.example/axe-1", "Staff", now.AddMinutes(-30), "<p>Read it.</p>", null, [], null), "test", CancellationToken.None);
        }
        using var staff = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        staff.DefaultRequestHeaders.Add("X-Api-Key", NewsletterApp.StaffApiKey);
        var sent = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        var issue = JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        var campaign = await staff.PostAsJsonAsync("/api/admin/donations/campaigns",
            new { slug = "axe-fund", name = "The axe fund", goalAmount = 100000, currency = "usd", startsOn = DateTime.UtcNow.ToString("yyyy-MM-dd"), endsOn = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd") });
        Assert.True(campaign.IsSuccessStatusCode, await campaign.Content.ReadAsStringAsync());

        var links = app.Services.GetRequiredService<Newsletter.Links.SiteLinks>();
        string PathOf(string url) => new Uri(url).PathAndQuery;
        // A monthly donor's own page (their plan and its Stripe button) and a one-time donor's.
        await app.WithDbAsync(async db =>
        {
            db.Add(new Newsletter.Donations.RecurringPlan
            {
                StripeSubscriptionId = "sub_axe", StripeCustomerId = "cus_axe", Amount = 1000, Currency = "usd", Interval = "month", Status = Newsletter.Donations.RecurringPlanStatus.Active,
                DonorEmail = "monthly@axe.example", DonorEmailKey = "monthly@axe.example", StartedAt = now, StatusAsOf = now, AmountAsOf = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        });
        string monthlyDonor, oneTimeDonor;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var donorLinks = scope.ServiceProvider.GetRequiredService<Newsletter.Donations.DonorLinks>();
            monthlyDonor = PathOf(donorLinks.Manage(await donorLinks.AccessAsync("monthly@axe.example", CancellationToken.None)));
            oneTimeDonor = PathOf(donorLinks.Manage(await donorLinks.AccessAsync("once@axe.example", CancellationToken.None)));
        }
        List<string> publicPages =
        [
            "/subscribe", PathOf(links.Confirm(pending.PublicId, TimeSpan.FromDays(1))), PathOf(links.Preferences(confirmed.PublicId)),
            PathOf(links.Unsubscribe(confirmed.PublicId)), "/archive", $"/archive/{issue}", "/donate", "/donate?campaign=axe-fund", "/donate/manage",
            "/donate/thanks", "/donate/cancelled", "/no-such-page", "/", "/subscribe/thanks", "/subscribe/embed", "/subscribe?lang=de", "/subscribe/embed?lang=de", "/?lang=de",
            monthlyDonor, oneTimeDonor, monthlyDonor + "?lang=de", "/donate?lang=de", "/donate?campaign=axe-fund&lang=de", "/donate/manage?lang=de",
            "/donate/thanks?lang=de", "/donate/cancelled?lang=de", "/donate/checkout?amount=1&lang=de",
        ];
        List<string> staffPages =
        [
            "/admin", "/admin/subscribers", $"/admin/subscribers/{confirmed.Id}", "/admin/subscribers/import",
            "/admin/articles", "/admin/digests", $"/admin/digests/{issue}", "/admin/donations", "/admin/donations/campaigns", "/admin/donations/unmatched",
            "/admin/bounces", "/admin/templates", "/admin/templates/edit?name=" + Uri.EscapeDataString("pages/subscribe"), "/admin/staff", "/admin/api-keys",
            "/admin/audit", "/admin/account/password", "/admin/denied",
        ];
        return (publicPages, staffPages);
    }
}
