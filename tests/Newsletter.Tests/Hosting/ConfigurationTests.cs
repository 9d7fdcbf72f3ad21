using System.Diagnostics;

namespace Newsletter.Tests.Hosting;

/// <summary>A configuration that cannot work stops the real binary with one clear line naming the key.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Email__Transport=Smtp", "Configuration error: Email:Smtp:Host is required when Email:Transport is Smtp.")]
    [InlineData("Roles=web", "Configuration error: Jobs:Storage InMemory keeps jobs inside one process, so Roles must be 'web,worker'")]
    [InlineData("Roles=web,cook", "Configuration error: Roles has unknown role(s) 'cook'")]
    [InlineData("Database__Provider=SqlServer", "Configuration error: Database:ConnectionString is required when Database:Provider is SqlServer.")]
    [InlineData("Site__BaseUrl=not a url", "Configuration error: DataAnnotation validation failed for 'SiteOptions' members: 'BaseUrl'")]
    [InlineData("Donations__TimeZone=Mars/Olympus", "Configuration error: Donations:TimeZone 'Mars/Olympus' is not a known time zone; use an IANA id such as America/New_York.")]
    [InlineData("Donations__Currencies__0=isk", "Configuration error: Donations:Currencies: ISK is not supported")]
    [InlineData("Donations__Amounts__jpy__MinAmount=100", "Configuration error: Donations:Amounts:jpy names a currency that is not in Donations:Currencies.")]
    [InlineData("Security__StaffApiKey=shorter-than-32-chars", "Configuration error: Security:StaffApiKey must be at least 32 characters")]
    [InlineData("Subscribers__AllowedOrigins__0=https://blog.example.org/news", "Subscribers:AllowedOrigins:0 must be an origin such as https://blog.example.org")]
    [InlineData("Subscribers__AllowedOrigins__0=*", "Subscribers:AllowedOrigins:0 must be an origin")]
    [InlineData("Site__AccentColor=red", "Site:AccentColor must be a colour written #rrggbb.")]
    public async Task A_wrong_setting_stops_the_host_with_one_line_naming_the_key(string setting, string expected)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "newsletter-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Newsletter.Host.dll"), "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["DataDirectory"] = dataDirectory;
        start.Environment["Logging__LogLevel__Default"] = "None";
        var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The host started despite '{setting}'. Output: {await stdout}");
        }
        var errors = await stderr;
        Assert.Equal(2, process.ExitCode);
        // One line per problem and nothing else (a setting may cause two, e.g. Roles=web,cook is also not 'web,worker'),
        // and one of them is the line an operator needs: which key, and what is wrong with it.
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.All(lines, l => Assert.StartsWith("Configuration error: ", l));
        // (Options validated by data annotations say so first, then quote the message that names the key.)
        Assert.Single(lines, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", errors);
        try { Directory.Delete(dataDirectory, true); } catch (IOException) { }
    }
}
