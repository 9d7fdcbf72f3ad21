using System.Net.Http.Json;
using System.Text;
using Newsletter.Digests;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Digests;

/// <summary>
/// The production shape on a running PostgreSQL server: one web process and three worker processes of the real Host,
/// one database, Hangfire on PostgreSQL. They send one issue to 20,000 readers through a real SMTP server that records
/// what it accepts, under a fleet-wide rate limit, and one worker is SIGKILLed mid-send. The others take over its
/// ranges (the ledger's leases and the sweep, not Hangfire's invisibility timeout, which is set to a minute here to show
/// it too), every reader gets exactly one copy apart from the killed worker's Unknown rows, which are at most the copy
/// each of its connections had on the wire (the processes share a data directory here, so a live worker's sweep settles
/// the dead one's journals), and the server's count never passes the limit in any second.
/// </summary>
[Collection(HostCollection.Name)]
[Trait("Database", "Postgres")]
public sealed class FleetTests(ITestOutputHelper output)
{
    private const string ApiKey = "fleet-test-staff-api-key-0123456789abcdef";
    private const int Readers = 20_000;
    private const int MessagesPerSecond = 600;
    private const int WorkerConnections = 2;
    private const int ClaimWindow = 10;

    [Fact]
    public async Task Three_workers_share_one_issue_survive_a_killed_worker_and_keep_the_fleet_rate()
    {
        if (!TestDatabase.IsPostgres) throw new InvalidOperationException("This test runs in the PostgreSQL pass (NEWSLETTER_TEST_DATABASE=Postgres).");
        await using var database = await PostgresServer.Shared.CreateDatabaseAsync();
        await using var smtp = new TestSmtpServer { KeepMessages = false };
        var settings = new Dictionary<string, string>
        {
            ["DataDirectory"] = Directory.CreateTempSubdirectory("newsletter-fleet-").FullName,
            ["Database:MigrateOnStart"] = "false",
            ["Jobs:InvisibilityTimeout"] = "00:01:00",
            ["Site:BaseUrl"] = "http://127.0.0.1",
            ["Site:PostalAddress"] = "1 Fleet Street, Testville",
            ["Email:Transport"] = "Smtp",
            ["Email:FromAddress"] = "news@fleet.example",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = smtp.Port.ToString(),
            ["Email:Smtp:Security"] = "None",
            ["Security:StaffApiKey"] = ApiKey,
            ["Digests:DailyCron"] = "",
            ["Digests:WeeklyCron"] = "",
            ["Digests:SweepCron"] = "*/2 * * * * *",
            ["Digests:SendingLease"] = "00:00:08",
            ["Digests:BatchSize"] = "1000",
            ["Digests:Connections"] = WorkerConnections.ToString(),
            ["Digests:ClaimWindow"] = ClaimWindow.ToString(),
            ["Digests:MessagesPerSecond"] = MessagesPerSecond.ToString(),
            ["Jobs:WorkerCount"] = "3",
        };
        foreach (var (key, value) in database.HostSettings) settings[key] = value!;
        Dictionary<string, string> As(string roles) => new(settings) { ["Roles"] = roles };

        var processes = new List<HostProcess>();
        try
        {
            var web = await HostProcess.StartWithSettingsAsync(As("web"));
            processes.Add(web);
            var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => HostProcess.StartWithSettingsAsync(As("worker"))));
            processes.AddRange(workers);

            using var staff = web.StaffClient(ApiKey);
            var csv = new StringBuilder("email,frequency\n");
            for (var i = 1; i <= Readers; i++) csv.Append($"reader{i}@fleet.example,daily\n");
            await (await staff.PostAsync("/api/admin/subscribers/import?mode=confirmed", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
                .ReadAsync<Newsletter.Subscribers.ImportReport>();
            (await staff.PutAsJsonAsync("/api/articles/fleet-1", new { title = "The fleet issue", link = "https://blog.example/posts/fleet-1", publishedAt = DateTime.UtcNow.AddMinutes(-1) }))
                .EnsureSuccessStatusCode();
            var issue = (await (await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" })).ReadAsync<DigestAdminApi.IssueSummary>()).Id;

            await NewsletterApp.EventuallyAsync(() => Task.FromResult(smtp.AcceptedCount.Count >= Readers / 4), "a quarter of the readers", TimeSpan.FromSeconds(90));
            workers[1].Kill();
            output.WriteLine($"killed worker {workers[1].ProcessId} after {smtp.AcceptedCount.Count} readers had mail");

            DigestAdminApi.IssueSummary summary;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while ((summary = await (await staff.GetAsync($"/api/admin/digests/{issue}")).ReadAsync<DigestAdminApi.IssueSummary>()).State != "sent")
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Issue {issue} is still {summary.State}: {summary.Progress}");
                await Task.Delay(500);
            }
            var counts = summary.Progress!;
            var unknown = await DeliveriesAsync(staff, issue, "unknown");
            var sent = await DeliveriesAsync(staff, issue, "sent");
            var busiest = smtp.AcceptedPerSecond.OrderByDescending(p => p.Value).First();
            output.WriteLine($"sent={counts.Sent} unknown={counts.Unknown} failed={counts.Failed}; busiest second {busiest.Key:HH:mm:ss} had {busiest.Value}");

            Assert.Equal((Readers, 0, 0, 0), (counts.Sent + counts.Unknown, counts.Failed, counts.Pending, counts.Sending));
            // Without its journals settled, every row of the dead worker's windows in flight: up to WorkerConnections × ClaimWindow.
            Assert.True(counts.Unknown <= WorkerConnections, $"{counts.Unknown} Unknown: more than the killed worker's {WorkerConnections} connections had on the wire");
            Assert.All(sent, row => Assert.Equal(1, smtp.AcceptedCount.GetValueOrDefault(row.Email)));
            Assert.All(unknown, row => Assert.True(smtp.AcceptedCount.GetValueOrDefault(row.Email) <= 1));
            Assert.All(smtp.AcceptedCount, pair => Assert.Equal(1, pair.Value));
            // The fleet's limit in every second of the server's clock: the rate, plus the bucket (a tenth of a second's
            // worth), plus what was granted at the end of the second before and arrived in this one (one window per connection).
            var tolerance = MessagesPerSecond / 10 + 3 * WorkerConnections * ClaimWindow;
            Assert.True(busiest.Value <= MessagesPerSecond + tolerance, $"{busiest.Value} messages in one second (limit {MessagesPerSecond} + {tolerance})");
            Assert.True(workers.Where(w => w != workers[1]).All(w => !w.HasExited), "the other workers keep running");
        }
        catch
        {
            foreach (var process in processes) output.WriteLine($"--- process {process.ProcessId}:\n{process.Output}");
            throw;
        }
        finally
        {
            foreach (var process in processes) await process.DisposeAsync();
        }
    }

    private static async Task<List<DigestAdminApi.DeliveryItem>> DeliveriesAsync(HttpClient staff, long issue, string state)
    {
        var all = new List<DigestAdminApi.DeliveryItem>();
        long after = 0;
        while (true)
        {
            var page = await (await staff.GetAsync($"/api/admin/digests/{issue}/deliveries?state={state}&after={after}&limit=1000")).ReadAsync<List<DigestAdminApi.DeliveryItem>>();
            all.AddRange(page);
            if (page.Count < 1000) return all;
            after = page[^1].Id;
        }
    }
}
