using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Dashboard;

/// <summary>
/// The whole service on real Kestrel at 127.0.0.1 (a random port), with its temporary database and the in-process
/// SMTP server, plus Debian's Chromium driven by Playwright. A real browser cannot talk to TestServer, hence Kestrel.
/// </summary>
public class BrowserApp : NewsletterApp
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>
    /// How long a browser step (a click, a fill, a page load) may wait. The CI machine is slow (the accessibility
    /// sweep took 1 min 39 s there); a wait that never ends still fails, only later.
    /// </summary>
    private const float StepTimeout = 60_000;

    /// <summary>How long an expectation (Assertions.Expect) polls before it fails; Playwright's own default is 5 s.</summary>
    private const float ExpectTimeout = 30_000;

    private IPlaywright? _playwright;

    public BrowserApp() => UseKestrel(0);

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The root URL the host listens on, e.g. http://127.0.0.1:41234.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Where screenshots go: artifacts/test-results/screenshots in the repository (beside the test results).</summary>
    public static string ScreenshotFolder
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Newsletter.sln"))) folder = folder.Parent;
            var path = folder is null ? Path.Combine(AppContext.BaseDirectory, "screenshots") : Path.Combine(folder.FullName, "artifacts", "test-results", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Staff:MaxFailedAccessAttempts", "3"),
    ];

    public override async Task InitializeAsync()
    {
        // Never skip: a machine without the browser fails here and says what to install.
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"The browser tests need Debian's Chromium at {ChromiumPath}, and it is missing. Install it with `apt-get install -y chromium` " +
                "(as root; scripts/ci-deps.sh and scripts/test.sh do it when run as root). Playwright cannot download a browser on this network.");
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        Assertions.SetDefaultExpectTimeout(ExpectTimeout);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A fresh browser window (its own cookies) at the host's address.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        return await context.NewPageAsync();
    }

    /// <summary>A fresh browser context with the given options, at the host's address and with the step timeout.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        options.BaseURL = BaseUrl;
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(StepTimeout);
        return context;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }
        await base.DisposeAsync();
    }
}
