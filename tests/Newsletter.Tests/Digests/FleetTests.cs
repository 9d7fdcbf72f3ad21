using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
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
        var settings = Settings(database, smtp);
        settings["DataDirectory"] = Directory.CreateTempSubdirectory("newsletter-fleet-").FullName;
        settings["Jobs:InvisibilityTimeout"] = "00:01:00";
        settings["Digests:SendingLease"] = "00:00:08";
        Dictionary<string, string> As(string roles) => new(settings) { ["Roles"] = roles };

        var processes = new List<HostProcess>();
        try
        {
            var web = await HostProcess.StartWithSettingsAsync(As("web"));
            processes.Add(web);
            var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => HostProcess.StartWithSettingsAsync(As("worker"))));
            processes.AddRange(workers);

            using var staff = web.StaffClient(ApiKey);
            var issue = await SendToReadersAsync(staff, Readers);

            await NewsletterApp.EventuallyAsync(() => Task.FromResult(smtp.AcceptedCount.Count >= Readers / 4), "a quarter of the readers", TimeSpan.FromSeconds(90));
            workers[1].Kill();
            output.WriteLine($"killed worker {workers[1].ProcessId} after {smtp.AcceptedCount.Count} readers had mail");

            var summary = await SentWithinAsync(staff, issue, TimeSpan.FromMinutes(3));
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

    /// <summary>
    /// Workers on machines of their own: each has its own data directory, so no process can read another's lock files
    /// or journals, and only the heartbeat in the database tells that one is gone. The killed worker's claims must be
    /// settled within Workers:DeadAfter (ten seconds here), not after Digests:SendingLease (the default ten minutes).
    /// </summary>
    [Fact]
    public async Task A_worker_killed_on_a_machine_of_its_own_is_settled_by_its_heartbeat_long_before_the_lease()
    {
        if (!TestDatabase.IsPostgres) throw new InvalidOperationException("This test runs in the PostgreSQL pass (NEWSLETTER_TEST_DATABASE=Postgres).");
        const int readers = 6_000;
        await using var database = await PostgresServer.Shared.CreateDatabaseAsync();
        await using var smtp = new TestSmtpServer { KeepMessages = false };
        var settings = Settings(database, smtp);
        settings["Workers:HeartbeatEvery"] = "00:00:02";
        settings["Workers:DeadAfter"] = "00:00:10";
        Dictionary<string, string> On(string roles) => new(settings) { ["Roles"] = roles, ["DataDirectory"] = Directory.CreateTempSubdirectory("newsletter-machine-").FullName };

        var processes = new List<HostProcess>();
        try
        {
            var web = await HostProcess.StartWithSettingsAsync(On("web"));
            processes.Add(web);
            var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => HostProcess.StartWithSettingsAsync(On("worker"))));
            processes.AddRange(workers);
            var victim = workers[1];

            using var staff = web.StaffClient(ApiKey);
            var issue = await SendToReadersAsync(staff, readers);
            // Killed while it runs a range with rows claimed: that is what only its heartbeat can now release.
            await NewsletterApp.EventuallyAsync(async () =>
            {
                await using var db = database.CreateContext();
                var id = await db.Set<Newsletter.Workers.Worker>().Where(w => w.ProcessId == victim.ProcessId).Select(w => w.Id).SingleOrDefaultAsync();
                var runs = await db.Set<DigestBatchLease>().Where(l => l.WorkerId == id).Select(l => l.Token).ToListAsync();
                return smtp.AcceptedCount.Count >= readers / 10 && await db.Set<Delivery>().AnyAsync(d => d.State == DeliveryState.Sending && d.ClaimToken != null && runs.Contains(d.ClaimToken.Value));
            }, "the second worker to be sending a range", TimeSpan.FromSeconds(90));
            victim.Kill();
            var killedAt = DateTime.UtcNow;
            output.WriteLine($"killed worker {victim.ProcessId} after {smtp.AcceptedCount.Count} readers had mail");

            // The lease is ten minutes; the heartbeat tells within ten seconds. Two minutes leave room for the one case that
            // waits longer: killed while it held the sweep's lock, which PostgreSQL's job storage frees after a minute.
            var summary = await SentWithinAsync(staff, issue, TimeSpan.FromMinutes(2));
            output.WriteLine($"sent {DateTime.UtcNow - killedAt:g} after the kill: {summary.Progress}");
            var counts = summary.Progress!;
            var sent = await DeliveriesAsync(staff, issue, "sent");
            var unknown = await DeliveriesAsync(staff, issue, "unknown");
            Assert.Equal((readers, 0, 0, 0), (counts.Sent + counts.Unknown, counts.Failed, counts.Pending, counts.Sending));
            // No journal here: every row of its windows in flight, at most connections × window.
            Assert.True(counts.Unknown <= WorkerConnections * ClaimWindow, $"{counts.Unknown} Unknown: more than the killed worker's {WorkerConnections} × {ClaimWindow} in flight");
            Assert.All(sent, row => Assert.Equal(1, smtp.AcceptedCount.GetValueOrDefault(row.Email)));
            Assert.All(unknown, row => Assert.True(smtp.AcceptedCount.GetValueOrDefault(row.Email) <= 1));
            Assert.All(smtp.AcceptedCount, pair => Assert.Equal(1, pair.Value));
            Assert.False(workers[0].HasExited, "the other worker keeps running");
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

    private static Dictionary<string, string> Settings(PostgresDatabase database, TestSmtpServer smtp)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database:MigrateOnStart"] = "false",
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
            ["Digests:BatchSize"] = "1000",
            ["Digests:Connections"] = WorkerConnections.ToString(),
            ["Digests:ClaimWindow"] = ClaimWindow.ToString(),
            ["Digests:MessagesPerSecond"] = MessagesPerSecond.ToString(),
            ["Jobs:WorkerCount"] = "3",
        };
        foreach (var (key, value) in database.HostSettings) settings[key] = value!;
        return settings;
    }

    /// <summary>Imports confirmed readers, publishes an article and presses Send now: the issue's id.</summary>
    private static async Task<long> SendToReadersAsync(HttpClient staff, int readers)
    {
        var csv = new StringBuilder("email,frequency\n");
        for (var i = 1; i <= readers; i++) csv.Append($"reader{i}@fleet.example,daily\n");
        await (await staff.PostAsync("/api/admin/subscribers/import?mode=confirmed", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
            .ReadAsync<Newsletter.Subscribers.ImportReport>();
        (await staff.PutAsJsonAsync("/api/articles/fleet-1", new { title = "The fleet issue", link = "https://blog.example/posts/fleet-1", publishedAt = DateTime.UtcNow.AddMinutes(-1) }))
            .EnsureSuccessStatusCode();
        return (await (await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" })).ReadAsync<DigestAdminApi.IssueSummary>()).Id;
    }

    private static async Task<DigestAdminApi.IssueSummary> SentWithinAsync(HttpClient staff, long issue, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        DigestAdminApi.IssueSummary summary;
        while ((summary = await (await staff.GetAsync($"/api/admin/digests/{issue}")).ReadAsync<DigestAdminApi.IssueSummary>()).State != "sent")
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Issue {issue} is still {summary.State} after {within}: {summary.Progress}");
            await Task.Delay(500);
        }
        return summary;
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
