using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Tests.Digests;
using Newsletter.Tests.Support;
using Newsletter.Workers;

namespace Newsletter.Tests.Workers;

/// <summary>
/// Every process writes a heartbeat, and a process on another machine (no lock file here, no journal here) whose
/// heartbeat stopped is known dead within <c>Workers:DeadAfter</c>: the sweeps settle its claims at once instead of after
/// the ten-minute lease, and leave alone those of a process elsewhere that still beats. (The end-to-end proof, a real
/// worker with its own data directory killed with SIGKILL, is <see cref="FleetTests"/>.)
/// </summary>
[Collection(HostCollection.Name)]
public sealed class WorkerHeartbeatTests(WorkerHeartbeatTests.App app) : IClassFixture<WorkerHeartbeatTests.App>
{
    public sealed class App : DigestApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            base.Settings.Concat([new("Workers:HeartbeatEvery", "00:00:00.500"), new("Workers:DeadAfter", "00:00:05")]);
    }

    [Fact]
    public async Task This_process_beats_and_says_when_it_stops()
    {
        var me = app.Services.GetRequiredService<ThisWorker>().Token;
        var first = await WorkerAsync(me);
        Assert.NotNull(first);
        Assert.Equal((Environment.MachineName, Environment.ProcessId, (DateTime?)null), (first.Machine, first.ProcessId, first.StoppedAt));
        await NewsletterApp.EventuallyAsync(async () => (await WorkerAsync(me))!.BeatAt > first.BeatAt, "the next heartbeat", TimeSpan.FromSeconds(10));

        // Another process of the fleet reads this one as alive.
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.DoesNotContain(me, await scope.ServiceProvider.GetRequiredService<WorkerRegistry>().FindSilentAsync(CancellationToken.None));

        // The host stops its heartbeat (last but the job server, as at shutdown): the row says so at once.
        var heartbeat = app.Services.GetServices<IHostedService>().OfType<WorkerHeartbeat>().Single();
        await heartbeat.StopAsync(CancellationToken.None);
        try
        {
            Assert.NotNull((await WorkerAsync(me))!.StoppedAt);
        }
        finally
        {
            await heartbeat.StartAsync(CancellationToken.None);
        }
        Assert.Null((await WorkerAsync(me))!.StoppedAt);
    }

    [Fact]
    public async Task A_process_that_stops_while_a_job_still_holds_its_claim_is_not_marked_stopped()
    {
        await app.SignUpAsync("held-at-stop@example.org");
        await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("held-at-stop@example.org")).State == TransactionalEmailState.Sent, "the confirmation to go");
        var me = app.Services.GetRequiredService<ThisWorker>().Token;
        // A job the job server gave up waiting for at shutdown still has an email in hand, on the wire.
        var now = DateTime.UtcNow;
        await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == "held-at-stop@example.org")
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sending).SetProperty(e => e.ClaimedAt, now)
                .SetProperty(e => e.ClaimedBy, me).SetProperty(e => e.HandedOverAt, now)));
        var heartbeat = app.Services.GetServices<IHostedService>().OfType<WorkerHeartbeat>().Single();
        await heartbeat.StopAsync(CancellationToken.None);
        try
        {
            // Not "stopped": the other workers would take its email as a stopped process's at once and call it Unknown
            // while the job may still get the server's answer. They wait for the beat to age instead.
            Assert.Null((await WorkerAsync(me))!.StoppedAt);

            // The job records its answer and lets the email go: now the stop is said.
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == "held-at-stop@example.org")
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sent)));
            await heartbeat.StopAsync(CancellationToken.None);
            Assert.NotNull((await WorkerAsync(me))!.StoppedAt);
        }
        finally
        {
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == "held-at-stop@example.org")
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sent)));
            await heartbeat.StartAsync(CancellationToken.None);
        }
        Assert.Null((await WorkerAsync(me))!.StoppedAt);
    }

    [Fact]
    public async Task A_digest_run_whose_worker_went_silent_elsewhere_is_settled_at_once_and_its_range_sent_by_the_fleet()
    {
        await app.StartupSweepDoneAsync();
        var readers = await app.AddReadersAsync("silent", 12);
        var article = await app.PushArticleAsync("silent-worker", "Sent by whoever is alive", "books");
        var now = DateTime.UtcNow;
        var silent = Guid.NewGuid();
        var beating = Guid.NewGuid();
        var deadRun = Guid.NewGuid();
        var liveRun = Guid.NewGuid();
        var (issueId, ids) = await app.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var issue = new DigestIssue
            {
                Frequency = Newsletter.Subscribers.DigestFrequency.Daily, Key = "silent-worker:" + Guid.NewGuid().ToString("N"), PeriodStart = now.AddDays(-1),
                PeriodEnd = now, Subject = "A worker elsewhere died sending this", State = DigestIssueState.Sending, CreatedAt = now, StartedAt = now,
            };
            db.Add(issue);
            await db.SaveChangesAsync();
            db.Add(new DigestIssueArticle { IssueId = issue.Id, ArticleId = article, Position = 0 });
            var rows = readers.Select(r => new Delivery { IssueId = issue.Id, SubscriberId = r.Id }).ToList();
            db.AddRange(rows);
            await db.SaveChangesAsync();
            // Two processes on other machines, each running one range (Digests:BatchSize is 10 here), each with the first
            // row of its range claimed a moment ago, well within the ten-minute lease: one fell silent two minutes ago
            // (SIGKILL, a power cut), the other beat just now.
            db.AddRange(
                new Worker { Id = silent, Machine = "worker-a", ProcessId = 1, StartedAt = now.AddHours(-1), BeatAt = now.AddMinutes(-2) },
                new Worker { Id = beating, Machine = "worker-b", ProcessId = 1, StartedAt = now.AddHours(-1), BeatAt = now },
                new DigestBatchLease { IssueId = issue.Id, FromId = rows[0].Id, Token = deadRun, RenewedAt = now, WorkerId = silent },
                new DigestBatchLease { IssueId = issue.Id, FromId = rows[10].Id, Token = liveRun, RenewedAt = now, WorkerId = beating });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return (issue.Id, rows.Select(r => r.Id).ToArray());
        });
        await app.WithDbAsync(async db =>
        {
            var ledger = new DeliveryLedger(db, TimeProvider.System);
            Assert.Single(await ledger.ClaimAsync(issueId, [ids[0]], deadRun, CancellationToken.None));
            Assert.Single(await ledger.ClaimAsync(issueId, [ids[10]], liveRun, CancellationToken.None));
            return 0;
        });
        try
        {
            await app.WithDbAsync(db => db.Set<Worker>().Where(w => w.Id == beating).ExecuteUpdateAsync(s => s.SetProperty(w => w.BeatAt, DateTime.UtcNow)));
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DigestSweepJob>().RunAsync(afterStartup: false, CancellationToken.None);

            // The silent worker's copy may be on the wire: Unknown, never resent. Its range is free, so the fleet sends
            // the rest of it now, not in ten minutes.
            var rows = await app.DeliveriesAsync(issueId);
            Assert.Equal(DeliveryState.Unknown, rows.Single(d => d.Id == ids[0]).State);
            await NewsletterApp.EventuallyAsync(async () => (await app.DeliveriesAsync(issueId)).Where(d => d.Id > ids[0] && d.Id < ids[10]).All(d => d.State == DeliveryState.Sent),
                "the silent worker's range to be sent by this process", TimeSpan.FromSeconds(30));
            foreach (var reader in readers[1..10]) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
            Assert.False(app.Smtp.AcceptedCount.ContainsKey(readers[0].Email));

            // The worker that still beats keeps its claim and its range: nothing of it moved, nothing of it was sent here.
            rows = await app.DeliveriesAsync(issueId);
            Assert.Equal((DeliveryState.Sending, DeliveryState.Pending), (rows.Single(d => d.Id == ids[10]).State, rows.Single(d => d.Id == ids[11]).State));
            Assert.False(app.Smtp.AcceptedCount.ContainsKey(readers[11].Email));
            var leases = await app.WithDbAsync(db => db.Set<DigestBatchLease>().AsNoTracking().Where(l => l.IssueId == issueId).ToListAsync());
            Assert.Equal(liveRun, Assert.Single(leases).Token);
        }
        finally
        {
            // The made-up worker stops beating once this test ends: take its claim back so no later sweep finds it.
            await app.WithDbAsync(async db =>
            {
                await db.Set<DigestBatchLease>().Where(l => l.IssueId == issueId).ExecuteDeleteAsync();
                await db.Set<DigestIssue>().Where(i => i.Id == issueId).ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Paused));
                return await db.Set<Worker>().Where(w => w.Id == silent || w.Id == beating).ExecuteDeleteAsync();
            });
        }
    }

    [Fact]
    public async Task An_outbox_claim_whose_worker_went_silent_elsewhere_is_settled_at_once_and_a_beating_ones_is_not()
    {
        var emails = new[] { "silent-before@example.org", "silent-after@example.org", "beating@example.org" };
        foreach (var email in emails)
        {
            await app.SignUpAsync(email);
            await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync(email)).State == TransactionalEmailState.Sent, "the confirmation to go");
        }
        var now = DateTime.UtcNow;
        var silent = Guid.NewGuid();
        var beating = Guid.NewGuid();
        await app.WithDbAsync(async db =>
        {
            db.AddRange(
                new Worker { Id = silent, Machine = "worker-a", ProcessId = 1, StartedAt = now.AddHours(-1), BeatAt = now.AddMinutes(-2) },
                new Worker { Id = beating, Machine = "worker-b", ProcessId = 1, StartedAt = now.AddHours(-1), BeatAt = now });
            return await db.SaveChangesAsync();
        });
        // Each claimed a moment ago (well within the lease) by a process on another machine: the silent one before and
        // after its message went to a connection, the beating one before.
        foreach (var (email, worker, handedOver) in new[] { (emails[0], silent, (DateTime?)null), (emails[1], silent, now), (emails[2], beating, null) })
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == email)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sending).SetProperty(e => e.ClaimedAt, now)
                    .SetProperty(e => e.ClaimedBy, worker).SetProperty(e => e.HandedOverAt, handedOver)));
        try
        {
            await app.WithDbAsync(db => db.Set<Worker>().Where(w => w.Id == beating).ExecuteUpdateAsync(s => s.SetProperty(w => w.BeatAt, DateTime.UtcNow)));
            (int Again, int Unknown) settled;
            await using (var scope = app.Services.CreateAsyncScope())
                settled = await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SettleAbandonedAsync(CancellationToken.None);

            Assert.Equal((1, 1), settled);
            Assert.Equal(TransactionalEmailState.Pending, (await app.OutboxEmailAsync(emails[0])).State);
            Assert.Equal(TransactionalEmailState.Unknown, (await app.OutboxEmailAsync(emails[1])).State);
            Assert.Equal((TransactionalEmailState.Sending, beating), ((await app.OutboxEmailAsync(emails[2])).State, (await app.OutboxEmailAsync(emails[2])).ClaimedBy));
        }
        finally
        {
            await app.WithDbAsync(async db =>
            {
                await db.Set<TransactionalEmail>().Where(e => e.ClaimedBy == beating).ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sent));
                return await db.Set<Worker>().Where(w => w.Id == silent || w.Id == beating).ExecuteDeleteAsync();
            });
        }
    }

    [Fact]
    public async Task A_process_holding_its_lock_file_here_is_alive_even_when_its_heartbeat_is_late()
    {
        await app.SignUpAsync("late-beat@example.org");
        await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("late-beat@example.org")).State == TransactionalEmailState.Sent, "the confirmation to go");
        // Another process on this data directory (its lock file held) whose last beat is two minutes old: a database
        // too busy to take its beats, say. It handed an email over a moment ago and waits for the server's answer.
        var other = new ThisWorker(app.Services.GetRequiredService<Newsletter.Data.DataDirectory>());
        var token = other.Token;
        try
        {
            var now = DateTime.UtcNow;
            await app.WithDbAsync(async db =>
            {
                db.Add(new Worker { Id = token, Machine = "here", ProcessId = 1, StartedAt = now.AddHours(-1), BeatAt = now.AddMinutes(-2) });
                return await db.SaveChangesAsync();
            });
            await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == "late-beat@example.org")
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Sending).SetProperty(e => e.ClaimedAt, now)
                    .SetProperty(e => e.ClaimedBy, token).SetProperty(e => e.HandedOverAt, now)));

            await using (var scope = app.Services.CreateAsyncScope())
            {
                Assert.DoesNotContain(token, await scope.ServiceProvider.GetRequiredService<WorkerRegistry>().FindSilentAsync(CancellationToken.None));
                Assert.Equal((0, 0), await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SettleAbandonedAsync(CancellationToken.None));
            }
            Assert.Equal(TransactionalEmailState.Sending, (await app.OutboxEmailAsync("late-beat@example.org")).State);

            // It dies (the kernel lets its lock go): now it is gone, and its handed-over email is Unknown.
            other.Dispose();
            await using (var scope = app.Services.CreateAsyncScope())
                Assert.Equal((0, 1), await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SettleAbandonedAsync(CancellationToken.None));
            Assert.Equal(TransactionalEmailState.Unknown, (await app.OutboxEmailAsync("late-beat@example.org")).State);
        }
        finally
        {
            other.Dispose();
            await app.WithDbAsync(db => db.Set<Worker>().Where(w => w.Id == token).ExecuteDeleteAsync());
        }
    }

    [Fact]
    public async Task The_overview_names_a_process_that_vanished_and_says_so_when_no_worker_is_left()
    {
        Assert.Empty(await AlertsAsync());
        var vanished = Guid.NewGuid();
        var stopped = Guid.NewGuid();
        var now = DateTime.UtcNow;
        await app.WithDbAsync(async db =>
        {
            db.AddRange(
                new Worker { Id = vanished, Machine = "worker-a", ProcessId = 4242, RunsJobs = true, StartedAt = now.AddHours(-2), BeatAt = now.AddMinutes(-30) },
                new Worker { Id = stopped, Machine = "worker-b", ProcessId = 4343, RunsJobs = true, StartedAt = now.AddHours(-2), BeatAt = now.AddMinutes(-30), StoppedAt = now.AddMinutes(-30) });
            return await db.SaveChangesAsync();
        });
        var heartbeat = app.Services.GetServices<IHostedService>().OfType<WorkerHeartbeat>().Single();
        try
        {
            // Killed half an hour ago (never said it stopped): named, with when it was last heard. A clean stop is not news.
            var alert = Assert.Single(await AlertsAsync());
            Assert.Equal(Newsletter.Dashboard.AlertLevel.Warning, alert.Level);
            Assert.Contains($"worker-a (process 4242), last heard {now.AddMinutes(-30):yyyy-MM-dd HH:mm} UTC", alert.Message);
            Assert.DoesNotContain("worker-b", alert.Message);

            // This process, the only worker, stops: nothing is sent any more, and the overview says so first.
            await heartbeat.StopAsync(CancellationToken.None);
            var alerts = await AlertsAsync();
            Assert.Equal(2, alerts.Count);
            Assert.StartsWith("No worker process is running", Assert.Single(alerts, a => a.Level == Newsletter.Dashboard.AlertLevel.Error).Message);
        }
        finally
        {
            await heartbeat.StartAsync(CancellationToken.None);
            await app.WithDbAsync(db => db.Set<Worker>().Where(w => w.Id == vanished || w.Id == stopped).ExecuteDeleteAsync());
        }
        Assert.Empty(await AlertsAsync());
    }

    private async Task<IReadOnlyList<Newsletter.Dashboard.DashboardAlert>> AlertsAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetServices<Newsletter.Dashboard.IDashboardAlertSource>().OfType<WorkerAlerts>().Single().GetAlertsAsync(CancellationToken.None);
    }

    private Task<Worker?> WorkerAsync(Guid id) => app.WithDbAsync(db => db.Set<Worker>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == id));
}
