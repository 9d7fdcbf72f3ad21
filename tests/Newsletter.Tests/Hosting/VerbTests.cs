using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Staff;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// The README's verbs, run as an operator runs them: the real binary as a child process, on a database it has never
/// seen, with <c>Database:MigrateOnStart=false</c> as in production. <c>migrate</c> makes the schema (nothing else
/// does here, so the verbs after it would fail without it); <c>import-subscribers</c> reads a CSV from disk;
/// <c>create-staff</c> takes its password from <c>NEWSLETTER_STAFF_PASSWORD</c> and prints no one-time password.
/// </summary>
public sealed class VerbTests
{
    private const string Password = "a chosen passphrase 4 staff";

    [Fact]
    public async Task Migrate_then_import_subscribers_then_create_staff_with_the_password_from_the_environment()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "newsletter-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        await using var postgres = TestDatabase.IsPostgres ? await PostgresServer.Shared.CreateDatabaseAsync(migrated: false) : null;
        var environment = new Dictionary<string, string?>(postgres?.EnvironmentVariables ?? new Dictionary<string, string?>())
        {
            ["DataDirectory"] = dataDirectory,
            ["Database__MigrateOnStart"] = "false",
            ["Site__PostalAddress"] = "1 Verb Street, Testville", // required outside SQLite
            ["Logging__LogLevel__Default"] = "Warning",
        };
        try
        {
            var migrate = await RunAsync(environment, "migrate");
            Assert.True(migrate.ExitCode == 0, migrate.Output);
            Assert.Contains("Database is up to date.", migrate.Output);

            var csv = Path.Combine(dataDirectory, "readers.csv");
            await File.WriteAllTextAsync(csv, "email,name,frequency\nada@verbs.example,Ada,daily\nbo@verbs.example,,weekly\nnot an address,,weekly\n");
            var import = await RunAsync(environment, "import-subscribers", csv, "--mode", "confirmed");
            Assert.True(import.ExitCode == 0, import.Output);
            Assert.Contains("Imported 2, updated 0, rejected 1", import.Output);

            var staff = await RunAsync(new Dictionary<string, string?>(environment) { ["NEWSLETTER_STAFF_PASSWORD"] = Password }, "create-staff", "owner@verbs.example");
            Assert.True(staff.ExitCode == 0, staff.Output);
            Assert.Contains("Created Owner owner@verbs.example.", staff.Output);
            Assert.DoesNotContain("One-time password", staff.Output);

            await using var db = TestDatabase.CreateContext(postgres, dataDirectory);
            var readers = await db.Set<Subscriber>().OrderBy(s => s.EmailKey)
                .Select(s => new ValueTuple<string, SubscriberStatus, DigestFrequency>(s.EmailKey, s.Status, s.Frequency)).ToListAsync();
            Assert.Equal(
                new[] { ("ada@verbs.example", SubscriberStatus.Confirmed, DigestFrequency.Daily), ("bo@verbs.example", SubscriberStatus.Confirmed, DigestFrequency.Weekly) },
                readers);
            var owner = await db.Set<StaffUser>().SingleAsync(u => u.Email == "owner@verbs.example");
            Assert.False(owner.MustChangePassword);
            Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<StaffUser>().VerifyHashedPassword(owner, owner.PasswordHash!, Password));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDirectory, true); } catch (IOException) { }
        }
    }

    /// <summary>Runs a verb of the real binary to its end: exit code, and stdout and stderr together.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Newsletter.Host.dll"), .. arguments])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{string.Join(' ', arguments)}' did not end within 90 s. Output: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
