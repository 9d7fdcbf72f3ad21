using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Digests;

/// <summary>
/// The real Host in a child process, sending a digest to a few thousand readers through a real SMTP server that records
/// every message it accepts, SIGKILLed at random moments (the seed decides when: during the fan-out, mid-batch, between
/// two windows) and started again on the same SQLite file. Afterwards, as a user would check: every reader has exactly
/// one accepted copy, except readers marked Unknown, who have at most one and number at most one per connection per
/// kill (the copy each had on the wire: the runs' journals settle the rest of their windows); nobody Failed, nothing
/// left Pending or Sending. The transactional outbox is killed the same way, once before its confirmation went to a
/// connection and once with it on the wire. Stops (SIGTERM) are tested beside the kills: one the server answers in
/// time, and ones that outlast its answer (a digest and a confirmation on the wire when the stop gives up).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string ApiKey = "crash-test-staff-api-key-0123456789abcdef";
    private const int Readers = 3000;
    private const int Connections = 4;
    private const int ClaimWindow = 10;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_host_killed_at_random_moments_loses_no_reader_and_doubles_none(int seed)
    {
        var random = new Random(seed);
        var directory = Directory.CreateTempSubdirectory("newsletter-crash-").FullName;
        await using var smtp = new TestSmtpServer();
        await using var database = await ServerDatabaseAsync();
        var settings = Settings(directory, smtp.Port, database);
        var kills = 0;
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings);
            using (var staff = host.StaffClient(ApiKey))
            {
                var csv = new StringBuilder("email,name,frequency\n");
                for (var i = 1; i <= Readers; i++) csv.Append($"reader{i}@crash.example,Reader {i},daily\n");
                var imported = await (await staff.PostAsync("/api/admin/subscribers/import?mode=confirmed", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
                    .ReadAsync<Newsletter.Subscribers.ImportReport>();
                Assert.Equal(Readers, imported.Imported);
                (await staff.PutAsJsonAsync("/api/articles/crash-1", new
                {
                    title = "The crash issue", link = "https://blog.example/posts/crash-1", publishedAt = DateTime.UtcNow.AddMinutes(-1),
                    summary = "<p>Summary.</p>", categories = new[] { "books" },
                })).EnsureSuccessStatusCode();
            }

            // The first kill: seed 1 while Send now is still fanning out (a few ms after the request); the others once the
            // server has a number of readers the seed picks, mid-batch; then, for some seeds, once more after the restart.
            var sendNow = SendNowAsync(host);
            if (seed == 1) await Task.Delay(random.Next(5, 60));
            else await WaitForMailAsync(smtp, random.Next(50, Readers / 2));
            host.Kill();
            kills++;
            output.WriteLine($"seed {seed}: killed; {smtp.AcceptedCount.Count} readers had mail");
            long? issue = null;
            try { issue = await sendNow; } catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }

            host = await hosts.StartAsync(settings);
            // An operator whose Send now got no answer looks at the issues and presses again if none started.
            issue ??= await LatestIssueAsync(host) ?? await SendNowAsync(host);
            if (seed != 3)
            {
                await WaitForMailAsync(smtp, smtp.AcceptedCount.Count + random.Next(20, 800));
                host.Kill();
                kills++;
                output.WriteLine($"seed {seed}: killed again after the restart; {smtp.AcceptedCount.Count} readers had mail");
                host = await hosts.StartAsync(settings);
            }

            var counts = await WaitUntilSentAsync(host, issue.Value);
            var unknown = await DeliveriesAsync(host, issue.Value, "unknown");
            var sent = await DeliveriesAsync(host, issue.Value, "sent");
            output.WriteLine($"seed {seed}: {kills} kill(s), sent={counts.Sent} unknown={counts.Unknown} failed={counts.Failed}, server accepted {smtp.Messages.Count}");

            Assert.Equal((Readers, 0, 0, 0), (counts.Sent + counts.Unknown, counts.Failed, counts.Pending, counts.Sending));
            // Without the journals a kill left every claimed row of the windows in flight Unknown: up to Connections × ClaimWindow.
            Assert.True(counts.Unknown <= kills * Connections, $"{counts.Unknown} Unknown after {kills} kill(s): more than one per connection ({Connections}) per kill");
            foreach (var row in sent) Assert.True(smtp.AcceptedCount.GetValueOrDefault(row.Email) == 1, $"{row.Email} is Sent but the server has {smtp.AcceptedCount.GetValueOrDefault(row.Email)} copies");
            foreach (var row in unknown) Assert.True(smtp.AcceptedCount.GetValueOrDefault(row.Email) <= 1, $"{row.Email} is Unknown and has {smtp.AcceptedCount.GetValueOrDefault(row.Email)} copies");
            Assert.Equal(Readers, sent.Count + unknown.Count);
            Assert.All(smtp.AcceptedCount, pair => Assert.Equal(1, pair.Value));
        });
    }

    /// <summary>
    /// The data directory fills up mid-send. Here no file may grow past 4 KiB, so every run's journal hits the wall after
    /// a couple of hundred copies, at whatever line comes next: a window, a copy about to go, or the server's answer to
    /// one. A journal line that cannot be written fails the run, and the sweep starts the range again. A copy the server
    /// had already accepted when its line failed stays Sent: before, it went back to Pending and was mailed twice.
    /// PostgreSQL only: a SQLite file would hit the same wall.
    /// </summary>
    [Fact]
    [Trait("Database", "Postgres")]
    public async Task A_journal_that_cannot_be_written_fails_the_run_and_never_mails_an_accepted_copy_twice()
    {
        if (!TestDatabase.IsPostgres) throw new InvalidOperationException("This test runs in the PostgreSQL pass (NEWSLETTER_TEST_DATABASE=Postgres).");
        const int readers = 1500;
        var directory = Directory.CreateTempSubdirectory("newsletter-full-").FullName;
        await using var smtp = new TestSmtpServer();
        await using var database = await ServerDatabaseAsync();
        var settings = Settings(directory, smtp.Port, database);
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings, fileSizeLimitKiB: 4);
            var issue = await ImportAndSendNowAsync(host, readers, "full");
            var counts = await WaitUntilSentAsync(host, issue);

            Assert.Contains("too large for the file system", host.Output); // .NET's words for EFBIG: the wall was hit
            Assert.Equal((readers, 0, 0), (counts.Sent, counts.Unknown, counts.Failed));
            Assert.Equal(readers, smtp.AcceptedCount.Count);
            var doubled = smtp.AcceptedCount.Where(pair => pair.Value > 1).Select(pair => $"{pair.Key} ({pair.Value})").ToList();
            Assert.True(doubled.Count == 0, $"{doubled.Count} readers got more than one copy: {string.Join(", ", doubled.Take(10))}");
        });
    }

    /// <summary>
    /// A deploy stops the host with SIGTERM mid-send (README, "Rolling restarts"): the senders finish the copies the
    /// server is answering, record them and give every other reader back, so after the restart nobody is Unknown and
    /// every reader has exactly one copy. A stop that left rows Sending would make them Unknown at the sweep.
    /// </summary>
    [Fact]
    public async Task A_host_stopped_with_SIGTERM_mid_send_leaves_nobody_unknown_and_the_restart_finishes_the_issue()
    {
        const int readers = 1000;
        var directory = Directory.CreateTempSubdirectory("newsletter-stop-").FullName;
        await using var smtp = new TestSmtpServer();
        // A server that takes 20 ms to accept each message: the stop comes while copies are being answered.
        smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Delay(TimeSpan.FromMilliseconds(20)) : null;
        await using var database = await ServerDatabaseAsync();
        var settings = Settings(directory, smtp.Port, database);
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings);
            var issue = await ImportAndSendNowAsync(host, readers, "stopped");
            await WaitForMailAsync(smtp, 100);

            var stopping = System.Diagnostics.Stopwatch.StartNew();
            Assert.True(await host.TerminateAsync(TimeSpan.FromSeconds(60)), "The host did not exit within 60 s of SIGTERM.");
            var hadMail = smtp.AcceptedCount.Count;
            output.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s; {hadMail} readers had mail");
            Assert.True(hadMail < readers, "The send was over before the stop: nothing was tested.");

            host = await hosts.StartAsync(settings);
            var counts = await WaitUntilSentAsync(host, issue);
            Assert.Equal((readers, 0, 0, 0, 0), (counts.Sent, counts.Unknown, counts.Failed, counts.Pending, counts.Sending));
            Assert.Equal(readers, smtp.AcceptedCount.Count);
            Assert.All(smtp.AcceptedCount, pair => Assert.Equal(1, pair.Value));
        });
    }

    /// <summary>
    /// A stop that outlasts the server's answer (README, "Rolling restarts"): the relay holds every copy on the wire for
    /// 20 s, longer than the host waits for its jobs when it stops (<c>shutdownTimeoutSeconds</c>, 3 s here, 30 s by
    /// default), so the host gives up on them and exits with those rows still Sending. The restart settles them from the
    /// runs' journals as Unknown (the server does keep each one when its delay ends), sends every other reader once, and
    /// nobody gets a second copy. A stop that waited for the SMTP timeout instead (60 s) would be killed by systemd or
    /// Docker in the middle of it.
    /// </summary>
    [Fact]
    public async Task A_host_whose_stop_outlasts_the_servers_answer_exits_in_time_and_only_the_copies_on_the_wire_are_unknown()
    {
        const int readers = 400;
        var directory = Directory.CreateTempSubdirectory("newsletter-stop-").FullName;
        await using var smtp = new TestSmtpServer();
        // From the 51st message until the stop, the server holds every copy it gets: one per connection.
        var holding = true;
        var held = new System.Collections.Concurrent.ConcurrentQueue<string>();
        smtp.Script = m =>
        {
            if (m.Stage != SmtpStage.EndOfData || m.Message <= 50 || !Volatile.Read(ref holding)) return null;
            held.Enqueue(m.Recipients[0]);
            return new SmtpAction.Delay(TimeSpan.FromSeconds(20));
        };
        await using var database = await ServerDatabaseAsync();
        var settings = Settings(directory, smtp.Port, database);
        settings["shutdownTimeoutSeconds"] = "3";
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings);
            var issue = await ImportAndSendNowAsync(host, readers, "held");
            // Every connection has a copy on the wire: the server holds them all.
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(held.Count >= Connections), "every connection to wait for the server's answer", TimeSpan.FromSeconds(30));
            var heldSince = System.Diagnostics.Stopwatch.StartNew();

            Assert.True(await host.TerminateAsync(TimeSpan.FromSeconds(15)), "The host did not exit within 15 s of SIGTERM: it waited for the server.");
            output.WriteLine($"stopped in {heldSince.Elapsed.TotalSeconds:0.0} s; {smtp.AcceptedCount.Count} readers had mail, {held.Count} copies held");
            Volatile.Write(ref holding, false);
            var onTheWire = held.ToHashSet();

            host = await hosts.StartAsync(settings);
            var counts = await WaitUntilSentAsync(host, issue);
            // The server keeps the held copies 20 s after it took them: count copies only after that.
            if (TimeSpan.FromSeconds(21) - heldSince.Elapsed is { Ticks: > 0 } rest) await Task.Delay(rest);
            var unknown = (await DeliveriesAsync(host, issue, "unknown")).Select(d => d.Email).ToHashSet();
            output.WriteLine($"sent={counts.Sent} unknown={counts.Unknown}; server accepted {smtp.Messages.Count}");

            Assert.Equal((readers, 0, 0, 0), (counts.Sent + counts.Unknown, counts.Failed, counts.Pending, counts.Sending));
            Assert.True(unknown.SetEquals(onTheWire), $"Unknown: {string.Join(", ", unknown)}; on the wire at the stop: {string.Join(", ", onTheWire)}");
            Assert.Equal(readers, smtp.AcceptedCount.Count);
            Assert.All(smtp.AcceptedCount, pair => Assert.Equal(1, pair.Value));
        });
    }

    [Fact]
    public async Task The_fleet_window_limit_is_kept_in_the_database_so_a_restart_hands_out_nothing_new()
    {
        var directory = Directory.CreateTempSubdirectory("newsletter-limit-").FullName;
        await using var smtp = new TestSmtpServer();
        await using var database = await ServerDatabaseAsync();
        var settings = Settings(directory, smtp.Port, database);
        settings["Digests:WindowLimit"] = "30";
        settings["Digests:Window"] = "01:00:00";
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings);
            var issue = await ImportAndSendNowAsync(host, 60, "limited");
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(smtp.Messages.Count >= 30), "the first 30 messages", TimeSpan.FromSeconds(60));
            await Task.Delay(2000);
            Assert.Equal(30, smtp.Messages.Count);

            // A restart (or a new worker joining) must not get a fresh hour's allowance.
            host.Kill();
            host = await hosts.StartAsync(settings);
            await Task.Delay(4000);
            Assert.Equal(30, smtp.Messages.Count);
            using var client = host.StaffClient(ApiKey);
            var summary = await (await client.GetAsync($"/api/admin/digests/{issue}")).ReadAsync<DigestAdminApi.IssueSummary>();
            Assert.Equal(("sending", 30, 30), (summary.State, summary.Progress!.Sent, summary.Progress.Pending));
        });
    }

    [Fact]
    public async Task A_host_killed_before_its_confirmation_went_out_sends_it_once_after_the_restart()
    {
        const string reader = "claimed@crash.example";
        var directory = Directory.CreateTempSubdirectory("newsletter-outbox-").FullName;
        await using var smtp = new TestSmtpServer();
        // The first connection is slow to greet: the outbox has claimed the confirmation and waits to hand it over.
        var greetings = 0;
        smtp.Script = m => m.Stage == SmtpStage.Greeting && Interlocked.Increment(ref greetings) == 1 ? new SmtpAction.Delay(TimeSpan.FromSeconds(30)) : null;
        await using var database = await ServerDatabaseAsync();
        // The lease is the default ten minutes: the restart must know the dead process's claim without waiting for it.
        var settings = Settings(directory, smtp.Port, database);
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings);
            await SignUpAsync(host, reader);
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref greetings) >= 1), "the outbox to connect");
            Assert.Equal(TransactionalEmailState.Sending, (await OutboxRowAsync(directory, database, reader)).State);
            host.Kill();

            // Restarted at once: the start-up sweep finds the row its dead worker never handed over (its claimant file is
            // no longer locked) and sends it.
            await hosts.StartAsync(settings);
            await NewsletterApp.EventuallyAsync(async () => (await OutboxRowAsync(directory, database, reader)).State == TransactionalEmailState.Sent,
                "the confirmation to be Sent after the restart", TimeSpan.FromSeconds(75));
            Assert.Equal(1, smtp.AcceptedCount.GetValueOrDefault(reader));
            Assert.Equal(1, (await OutboxRowAsync(directory, database, reader)).Attempts);
        });
    }

    [Fact]
    public async Task A_host_killed_with_its_confirmation_on_the_wire_leaves_it_unknown_and_never_sends_it_twice()
        => await ConfirmationOnTheWireAsync(stop: false);

    /// <summary>
    /// The same with SIGTERM: the stop waits <c>shutdownTimeoutSeconds</c> (3 s here) for the server's answer, then
    /// exits; the confirmation handed over is Unknown after the restart, not given back and sent a second time.
    /// </summary>
    [Fact]
    public async Task A_host_stopped_with_its_confirmation_on_the_wire_past_the_shutdown_timeout_leaves_it_unknown_and_never_sends_it_twice()
        => await ConfirmationOnTheWireAsync(stop: true);

    private async Task ConfirmationOnTheWireAsync(bool stop)
    {
        const string reader = "onthewire@crash.example";
        var directory = Directory.CreateTempSubdirectory("newsletter-outbox-").FullName;
        await using var smtp = new TestSmtpServer();
        // The server has the whole message and is slow to answer: the kill or stop comes between the final "." and the reply.
        var ends = 0;
        smtp.Script = m => m.Stage == SmtpStage.EndOfData && Interlocked.Increment(ref ends) == 1 ? new SmtpAction.Delay(TimeSpan.FromSeconds(30)) : null;
        await using var database = await ServerDatabaseAsync();
        var settings = Settings(directory, smtp.Port, database);
        settings["shutdownTimeoutSeconds"] = "3";
        await WithHostsAsync(directory, async hosts =>
        {
            var host = await hosts.StartAsync(settings);
            await SignUpAsync(host, reader);
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref ends) >= 1), "the confirmation's data to reach the server");
            if (stop) Assert.True(await host.TerminateAsync(TimeSpan.FromSeconds(20)), "The host did not exit within 20 s of SIGTERM: it waited for the server.");
            else host.Kill();

            // Restarted at once (the lease is the default ten minutes): the gone process's claim is known by its file.
            await hosts.StartAsync(settings);
            await NewsletterApp.EventuallyAsync(async () => (await OutboxRowAsync(directory, database, reader)).State == TransactionalEmailState.Unknown,
                "the confirmation to be Unknown after the restart", TimeSpan.FromSeconds(75));
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(1, Volatile.Read(ref ends));
        });
    }

    private static async Task SignUpAsync(HostProcess host, string email)
    {
        using var client = host.CreateClient();
        var response = await client.PostAsJsonAsync("/api/subscribers", new { email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>The outbox row for <paramref name="email"/>, read from the database the host uses, as an operator would.</summary>
    private static async Task<TransactionalEmail> OutboxRowAsync(string directory, PostgresDatabase? database, string email)
    {
        await using var db = TestDatabase.CreateContext(database, Path.Combine(directory, "data"));
        return await db.Set<TransactionalEmail>().AsNoTracking().SingleAsync(e => e.Recipient == email);
    }

    /// <summary>
    /// Runs a test's hosts: each <see cref="Hosts.StartAsync"/> replaces the one before (killed or stopped by then).
    /// On failure the last host's output goes to the test log; at the end it is killed and its data directory deleted.
    /// </summary>
    private async Task WithHostsAsync(string directory, Func<Hosts, Task> test)
    {
        var hosts = new Hosts();
        try
        {
            await test(hosts);
        }
        catch
        {
            if (hosts.Current is not null) output.WriteLine(hosts.Current.Output);
            throw;
        }
        finally
        {
            if (hosts.Current is not null) await hosts.Current.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private sealed class Hosts
    {
        public HostProcess? Current { get; private set; }

        public async Task<HostProcess> StartAsync(Dictionary<string, string> settings, int? fileSizeLimitKiB = null)
        {
            if (Current is not null) await Current.DisposeAsync();
            Current = fileSizeLimitKiB is { } limit ? await HostProcess.StartWithFileSizeLimitAsync(settings, limit) : await HostProcess.StartWithSettingsAsync(settings);
            return Current;
        }
    }

    /// <summary>In the PostgreSQL pass, a database of the test's own (and Hangfire on it); otherwise the SQLite file in the data directory.</summary>
    private static async Task<PostgresDatabase?> ServerDatabaseAsync() => TestDatabase.IsPostgres ? await PostgresServer.Shared.CreateDatabaseAsync() : null;

    private static Dictionary<string, string> Settings(string directory, int smtpPort, PostgresDatabase? database)
    {
        var settings = Settings(directory, smtpPort);
        foreach (var (key, value) in database?.HostSettings ?? new Dictionary<string, string?>()) settings[key] = value!;
        return settings;
    }

    private static Dictionary<string, string> Settings(string directory, int smtpPort) => new()
    {
        ["DataDirectory"] = Path.Combine(directory, "data"),
        ["Site:BaseUrl"] = "http://127.0.0.1",
        ["Site:PostalAddress"] = "1 Crash Street, Testville",
        ["Email:Transport"] = "Smtp",
        ["Email:FromAddress"] = "news@crash.example",
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = smtpPort.ToString(),
        ["Email:Smtp:Security"] = "None",
        ["Email:Smtp:ReconnectDelay"] = "00:00:00.050",
        ["Email:Smtp:MaxReconnectDelay"] = "00:00:00.500",
        ["Security:StaffApiKey"] = ApiKey,
        ["Digests:DailyCron"] = "",
        ["Digests:WeeklyCron"] = "",
        ["Digests:SweepCron"] = "*/2 * * * * *",
        ["Digests:SendingLease"] = "00:00:06",
        ["Digests:BatchSize"] = "500",
        ["Digests:Connections"] = Connections.ToString(),
        ["Digests:ClaimWindow"] = ClaimWindow.ToString(),
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Waits until the server has mail for <paramref name="readers"/> readers (or all of them).</summary>
    private static Task WaitForMailAsync(TestSmtpServer smtp, int readers) =>
        NewsletterApp.EventuallyAsync(() => Task.FromResult(smtp.AcceptedCount.Count >= Math.Min(readers, Readers)), $"{readers} readers to have mail", TimeSpan.FromSeconds(90));

    /// <summary>Imports <paramref name="readers"/> confirmed daily readers (<paramref name="name"/>1@crash.example, ...), posts one article and presses Send now.</summary>
    private static async Task<long> ImportAndSendNowAsync(HostProcess host, int readers, string name)
    {
        using (var staff = host.StaffClient(ApiKey))
        {
            var csv = new StringBuilder("email,frequency\n");
            for (var i = 1; i <= readers; i++) csv.Append($"{name}{i}@crash.example,daily\n");
            Assert.Equal(readers, (await (await staff.PostAsync("/api/admin/subscribers/import?mode=confirmed", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
                .ReadAsync<Newsletter.Subscribers.ImportReport>()).Imported);
            (await staff.PutAsJsonAsync($"/api/articles/{name}-1", new { title = $"The {name} issue", link = $"https://blog.example/posts/{name}-1", publishedAt = DateTime.UtcNow.AddMinutes(-1) }))
                .EnsureSuccessStatusCode();
        }
        return await SendNowAsync(host);
    }

    private static async Task<long> SendNowAsync(HostProcess host)
    {
        using var staff = host.StaffClient(ApiKey);
        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        return (await response.ReadAsync<DigestAdminApi.IssueSummary>()).Id;
    }

    private static async Task<long?> LatestIssueAsync(HostProcess host)
    {
        using var staff = host.StaffClient(ApiKey);
        var issues = await (await staff.GetAsync("/api/admin/digests/")).ReadAsync<List<DigestAdminApi.IssueSummary>>();
        return issues.FirstOrDefault(i => i.State != "planned")?.Id;
    }

    private static async Task<DeliveryCounts> WaitUntilSentAsync(HostProcess host, long issue)
    {
        using var staff = host.StaffClient(ApiKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var summary = await (await staff.GetAsync($"/api/admin/digests/{issue}")).ReadAsync<DigestAdminApi.IssueSummary>();
            if (summary.State == "sent") return summary.Progress!;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Issue {issue} is still {summary.State}: {summary.Progress}");
            await Task.Delay(250);
        }
    }

    private static async Task<List<DigestAdminApi.DeliveryItem>> DeliveriesAsync(HostProcess host, long issue, string state)
    {
        using var staff = host.StaffClient(ApiKey);
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
