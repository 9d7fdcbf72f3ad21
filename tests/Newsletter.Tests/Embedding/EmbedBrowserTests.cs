using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Newsletter.Subscribers;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Embedding;

/// <summary>
/// The newsletter on Kestrel and Chromium (<see cref="BrowserApp"/>), plus two blogs on 127.0.0.1, each on a port of
/// its own: one on Subscribers:AllowedOrigins, one not.
/// </summary>
public sealed class EmbedBrowserApp : BrowserApp
{
    public BlogSite Blog { get; private set; } = null!;
    public BlogSite Stranger { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Subscribers:AllowedOrigins:0", Blog.Origin)];

    public override async Task InitializeAsync()
    {
        // The blogs first: the newsletter reads the allowed origin when it starts.
        Blog = await BlogSite.StartAsync();
        Stranger = await BlogSite.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Blog is not null) await Blog.DisposeAsync();
        if (Stranger is not null) await Stranger.DisposeAsync();
    }
}

/// <summary>
/// The README's three snippets, as a publisher pastes them, on a blog of another origin in Chromium: the plain form
/// (back to the blog), the JavaScript one (the answer on the page), the iframe (the answer in the frame). The same
/// snippets on a blog that is not allowed sign nobody up.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class EmbedBrowserTests(EmbedBrowserApp app) : IClassFixture<EmbedBrowserApp>
{
    [Fact]
    public async Task The_three_readme_snippets_sign_readers_up_from_an_allowed_blog_and_nobody_from_another()
    {
        var snippets = BlogSite.ReadmeSnippets();
        Assert.Equal(3, snippets.Count);
        var (plain, script, iframe) = (snippets[0], snippets[1], snippets[2]);
        var page = await app.NewPageAsync();

        // The plain form: the reader ends on the blog's own thank-you page.
        await page.GotoAsync(app.Blog.Serve("/plain", plain, app.BaseUrl));
        await page.GetByLabel("Your email").FillAsync("plain@blog.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(app.Blog.Origin + BlogSite.ThanksPath);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Thanks from the blog" })).ToBeVisibleAsync();
        Assert.Equal("form", await SourceOf("plain@blog.example"));

        // The script: the reader stays on the blog and reads our answer beside the button.
        var scriptUrl = app.Blog.Serve("/script", script, app.BaseUrl);
        await page.GotoAsync(scriptUrl);
        await page.GetByLabel("Your email").FillAsync("script@blog.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Thanks! Check your inbox for a link to confirm your subscription.");
        Assert.Equal(scriptUrl, page.Url);
        Assert.Equal("api", await SourceOf("script@blog.example"));

        // The iframe: the answer comes inside the frame; the blog's page stays where it was.
        var iframeUrl = app.Blog.Serve("/iframe", iframe, app.BaseUrl);
        await page.GotoAsync(iframeUrl);
        var frame = page.FrameLocator("iframe");
        await frame.GetByLabel("Get The Test Review by email").FillAsync("iframe@blog.example");
        await frame.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await Assertions.Expect(frame.GetByRole(AriaRole.Status)).ToContainTextAsync("Check your inbox");
        Assert.Equal(iframeUrl, page.Url);
        Assert.Equal("embed", await SourceOf("iframe@blog.example"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "embed-iframe.png") });
        await app.Smtp.WaitForMessageToAsync("iframe@blog.example");

        // Another blog, not allowed. The iframe is refused by the browser (frame-ancestors): no form in it.
        var refusals = new List<string>();
        page.Console += (_, message) => refusals.Add(message.Text);
        await page.GotoAsync(app.Stranger.Serve("/iframe", iframe, app.BaseUrl), new() { WaitUntil = WaitUntilState.Load });
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(refusals.Any(r => r.Contains("frame-ancestors", StringComparison.Ordinal))), "Chromium refusing the frame");
        Assert.Equal(0, await page.FrameLocator("iframe").Locator("input[name=email]").CountAsync());

        // Its script cannot call the API (no CORS headers for it) and falls back to the form, whose return URL is refused.
        await page.GotoAsync(app.Stranger.Serve("/script", script, app.BaseUrl));
        await page.GetByLabel("Your email").FillAsync("stranger@blog.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This form cannot send you back" })).ToBeVisibleAsync();
        Assert.StartsWith(app.BaseUrl, page.Url);
        Assert.Null(await SourceOf("stranger@blog.example"));
    }

    private Task<string?> SourceOf(string emailKey) =>
        app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == emailKey).Select(s => s.ConsentSource).SingleOrDefaultAsync());
}
