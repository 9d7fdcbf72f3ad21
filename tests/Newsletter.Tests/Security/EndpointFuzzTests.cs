using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Tests.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// Every public and API endpoint the host maps, hit with the same seeded hostile requests every run
/// (<see cref="HostileRequests"/>): none may answer 5xx, and none may change a row of the database. The host runs in the
/// Development environment, where minimal APIs throw on unreadable bodies (that is how `dotnet run` answered 500),
/// with Stripe configured against the fake so the donation endpoints reach their handlers.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class EndpointFuzzTests(EndpointFuzzTests.App app) : IClassFixture<EndpointFuzzTests.App>
{
    public sealed class App : DonationsApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Development");
            // The fuzz sends wrong keys too; it must not lock itself out of the handlers it means to reach.
            builder.UseSetting("Security:ApiKeyFailuresPerMinute", "10000");
            // The bounce webhooks set up, so hostile requests reach their handlers (unset they answer 503 before reading).
            builder.UseSetting("Bounces:Webhook:Secret", "fuzz-bounce-webhook-secret-0123456789");
            builder.UseSetting("Bounces:Postmark:Username", "fuzz");
            builder.UseSetting("Bounces:Postmark:Password", "fuzz-postmark-password");
            builder.UseSetting("Bounces:Ses:Enabled", "true");
        }
    }

    private const int Seed = 20261202;

    /// <summary>Routes the fuzz leaves out: the staff pages behind a login (their own tests cover them) and the jobs dashboard.</summary>
    private static bool Fuzzed(string pattern) =>
        !pattern.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || pattern is "admin/login" or "admin/setup";

    [Fact]
    public async Task Hostile_requests_to_every_public_and_api_endpoint_get_a_4xx_and_change_nothing()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"])
                .Select(method => (Method: method, Pattern: (e.RoutePattern.RawText?.TrimStart('/') ?? string.Empty).ToLowerInvariant())))
            .Where(e => Fuzzed(e.Pattern))
            .Distinct().OrderBy(e => e.Pattern, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal).ToList();
        // The surface the review tried, so a refactoring that hides endpoints from this list is noticed.
        foreach (var expected in new[] { "api/subscribers", "api/articles/{externalId}", "api/admin/subscribers/import", "webhooks/stripe", "subscribe", "donate/checkout", "archive/{id:long}", "admin/setup" })
            Assert.True(endpoints.Any(e => string.Equals(e.Pattern.TrimEnd('/'), expected, StringComparison.OrdinalIgnoreCase)), "not fuzzed: " + expected);

        var before = await SnapshotAsync(app);
        var requests = new HostileRequests(Seed, NewsletterApp.StaffApiKey);
        var client = app.CreateReaderClient();
        var failures = new List<string>();
        var sent = 0;
        var clock = Stopwatch.StartNew();
        foreach (var (method, pattern) in endpoints)
        {
            foreach (var request in requests.For(method, pattern))
            {
                using (request)
                {
                    var what = $"{request.Method} {Shorten(request.RequestUri!.OriginalString)} ({request.Content?.Headers.ContentType?.ToString() ?? "no content type"})";
                    try
                    {
                        using var response = await client.SendAsync(request);
                        sent++;
                        if ((int)response.StatusCode >= 500) failures.Add($"{what}: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
                        else if ((int)response.StatusCode >= 400 && response.Content.Headers.ContentLength > 0
                                 && response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "text/html"))
                            failures.Add($"{what}: {(int)response.StatusCode} answered {response.Content.Headers.ContentType} instead of problem details or a page");
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
                    {
                        failures.Add($"{what}: the server failed the request ({e.GetType().Name}: {Shorten(e.Message)})");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n" + string.Join("\n", failures.Take(40)));
        Assert.True(sent > 300, $"only {sent} requests were sent");
        var after = await SnapshotAsync(app);
        Assert.Equal(before, after);
        // Speed is not a guarantee here, but a fuzz that grows slow stops being run: say how long it took.
        Console.WriteLine($"Fuzz: {sent} requests to {endpoints.Count} endpoint methods in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Every table's rows as one hash per table. The audit log is left out: it records what staff asked for (the API
    /// key's valid reads, such as an export, are staff actions), which is a change by design.
    /// </summary>
    internal static Task<Dictionary<string, string>> SnapshotAsync(NewsletterApp host) => host.WithDbAsync(async db =>
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            // The model's tables (the same on SQLite and PostgreSQL).
            var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct().Order().ToList();
            var result = new Dictionary<string, string>();
            foreach (var table in tables.Where(t => t != "AuditEntries"))
                result[table] = await HashAsync(connection, table);
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    });

    private static async Task<string> HashAsync(DbConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        // Rows in no particular order (no rowid on PostgreSQL): each row as text, sorted, then hashed.
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            var line = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++) line.Append(reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('\u001f');
            lines.Add(line.ToString());
        }
        lines.Sort(StringComparer.Ordinal);
        var rows = lines.Count;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001e', lines)));
        return $"{rows} rows {Convert.ToHexString(hash)[..16]}";
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
