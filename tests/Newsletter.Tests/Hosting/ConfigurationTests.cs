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
    [InlineData("Site__BaseUrl=not a url", "Configuration error: Site:BaseUrl must be an absolute URL such as https://news.example.org.")]
    [InlineData("Donations__Currencies__0=isk", "Configuration error: Donations:Currencies: ISK is not supported")]
    [InlineData("Donations__Amounts__jpy__MinAmount=100", "Configuration error: Donations:Amounts:jpy names a currency that is not in Donations:Currencies.")]
    [InlineData("Security__StaffApiKey=shorter-than-32-chars", "Configuration error: Security:StaffApiKey must be at least 32 characters")]
    [InlineData("Subscribers__AllowedOrigins__0=https://blog.example.org/news", "Subscribers:AllowedOrigins:0 must be an origin such as https://blog.example.org")]
    [InlineData("Subscribers__AllowedOrigins__0=*", "Subscribers:AllowedOrigins:0 must be an origin")]
    [InlineData("Site__AccentColor=red", "Site:AccentColor must be a colour written #rrggbb.")]
    [InlineData("Security__SigningKey=dG9vLXNob3J0", "Configuration error: Security:SigningKey must be base64 of at least 32 bytes.")]
    [InlineData("Templates__Directory= ", "Configuration error: Templates:Directory must name the folder of the Liquid templates.")]
    [InlineData("Workers__DeadAfter=00:00:30", "Configuration error: Workers:DeadAfter must be at least three times Workers:HeartbeatEvery.")]
    public async Task A_wrong_setting_stops_the_host_with_one_line_naming_the_key(string setting, string expected)
    {
        var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        var (exitCode, errors) = await RunHostAsync(new() { [key] = value });
        Assert.Equal(2, exitCode);
        // One line per problem and nothing else (a setting may cause two, e.g. Roles=web,cook is also not 'web,worker'),
        // and one of them is the line an operator needs: which key, and what is wrong with it.
        var lines = Lines(errors);
        Assert.All(lines, l => Assert.StartsWith("Configuration error: ", l));
        Assert.Single(lines, l => l.Contains(expected, StringComparison.Ordinal));
        // The operator's words, not the code's: no C# class or member names (SiteOptions, 'BaseUrl').
        Assert.DoesNotContain("Options", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    [Fact]
    public async Task Wrong_time_zones_in_two_sections_are_both_named_each_on_its_own_line()
    {
        // Two sections at once: the start-up validator gathers them into one AggregateException, which once crashed
        // the host with a stack trace instead of these lines.
        var (exitCode, errors) = await RunHostAsync(new() { ["Digests__TimeZone"] = "Mars/Base", ["Donations__TimeZone"] = "Mars/Olympus" });
        Assert.True(exitCode == 2, $"exit code {exitCode}: {errors}");
        Assert.Equal(
            [
                "Configuration error: Digests:TimeZone 'Mars/Base' is not a known time zone; use an IANA id such as Europe/Berlin.",
                "Configuration error: Donations:TimeZone 'Mars/Olympus' is not a known time zone; use an IANA id such as America/New_York.",
            ],
            Lines(errors).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_broken_template_stops_the_host_naming_the_file()
    {
        // A copy of the shipped templates with one tag left open in the confirmation email.
        var templates = Path.Combine(Path.GetTempPath(), "newsletter-tests", Guid.NewGuid().ToString("N"), "templates");
        CopyFolder(Path.Combine(AppContext.BaseDirectory, "templates"), templates);
        var broken = Path.Combine(templates, "email", "confirm.html.liquid");
        await File.AppendAllTextAsync(broken, "{% if name %}never closed");
        try
        {
            var (exitCode, errors) = await RunHostAsync(new() { ["Templates__Directory"] = templates });
            Assert.True(exitCode == 2, $"exit code {exitCode}: {errors}");
            // The first line names the file; the parser's own lines (where, what) follow.
            Assert.StartsWith($"Template error: {broken}: ", Lines(errors)[0]);
            Assert.Contains("never closed", errors);
            Assert.DoesNotContain("   at ", errors);
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(templates)!, true); } catch (IOException) { }
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Runs the real binary with <paramref name="environment"/> on a fresh data directory; its exit code and stderr.</summary>
    private static async Task<(int ExitCode, string Errors)> RunHostAsync(Dictionary<string, string> environment)
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
        foreach (var (key, value) in environment) start.Environment[key] = value;
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
            Assert.Fail($"The host started despite {string.Join(", ", environment.Select(pair => $"{pair.Key}={pair.Value}"))}. Output: {await stdout}");
        }
        try { Directory.Delete(dataDirectory, true); } catch (IOException) { }
        return (process.ExitCode, await stderr);
    }
}
