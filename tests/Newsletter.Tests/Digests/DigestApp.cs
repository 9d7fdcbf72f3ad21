using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// The whole service for digest tests: the shared real parts plus a feed served over HTTP on 127.0.0.1, small batches
/// claimed a few rows at a time, fast retries and reconnects, and no automatic sweep (tests resume explicitly, as a
/// restart would).
/// </summary>
public class DigestApp : NewsletterApp
{
    public TestFeedServer Feed { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Articles:Feeds:0", Feed.FeedUrl),
        new("Digests:BatchSize", "10"),
        new("Digests:Connections", "3"),
        new("Digests:ClaimWindow", "3"),
        new("Digests:RetryDelay", "00:00:01"),
        new("Email:Smtp:ReconnectDelay", "00:00:00.050"),
        new("Email:Smtp:MaxReconnectDelay", "00:00:00.200"),
        new("Digests:SweepCron", "0 0 1 1 *"),
        new("Digests:DailyCron", ""),
        new("Digests:WeeklyCron", ""),
    ];

    /// <summary>Adds confirmed readers straight to the database (the sign-up flow has its own tests).</summary>
    public Task<List<Subscriber>> AddReadersAsync(string prefix, int count, DigestFrequency frequency = DigestFrequency.Daily, string topics = "",
        SubscriberStatus status = SubscriberStatus.Confirmed) => WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var readers = Enumerable.Range(1, count).Select(i => new Subscriber
        {
            Email = $"{prefix}{i}@readers.example",
            EmailKey = $"{prefix}{i}@readers.example",
            Name = $"Reader {prefix}{i}",
            Frequency = frequency,
            Topics = topics,
            Status = status,
            CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConfirmedAt = now, ConsentSource = "test",
        }).ToList();
        db.AddRange(readers);
        await db.SaveChangesAsync();
        return readers;
    });

    /// <summary>Everyone added by earlier tests leaves, so each test sends to its own readers only.</summary>
    public Task ClearAudienceAsync() => WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Status == SubscriberStatus.Confirmed)
        .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, SubscriberStatus.Unsubscribed)));

    /// <summary>Pushes an article through the public API, published now.</summary>
    public async Task<long> PushArticleAsync(string id, string title, string category, string summary = "<p>Summary.</p>")
    {
        using var client = CreateStaffClient();
        var response = await client.PutAsync($"/api/articles/{id}", System.Net.Http.Json.JsonContent.Create(new
        {
            title, link = $"https://blog.example/posts/{id}", author = "Jane Roe", publishedAt = DateTime.UtcNow, summary, categories = new[] { category },
        }));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Newsletter.Articles.ArticleApi.ArticleSummary>())!.Id;
    }

    /// <summary>Waits until the issue has no Pending or Sending delivery left, and returns its counts.</summary>
    public async Task<DeliveryCounts> WaitUntilSentAsync(long issueId, TimeSpan? timeout = null)
    {
        DeliveryCounts? counts = null;
        try
        {
        await EventuallyAsync(async () =>
        {
            counts = await WithDbAsync(db => new DeliveryLedger(db, TimeProvider.System).CountAsync(issueId, CancellationToken.None));
            var state = await WithDbAsync(db => db.Set<DigestIssue>().Where(i => i.Id == issueId).Select(i => i.State).SingleAsync());
            return counts.Done && state == DigestIssueState.Sent;
        }, $"issue {issueId} to finish sending", timeout);
        }
        catch (TimeoutException)
        {
            var rows = await WithDbAsync(db => db.Set<Delivery>().AsNoTracking().Where(d => d.IssueId == issueId && d.State != DeliveryState.Sent).ToListAsync());
            throw new TimeoutException($"Issue {issueId} did not finish at {DateTime.UtcNow:O}: " + string.Join("; ", rows.Select(r => $"{r.Id} {r.State} attempts={r.Attempts} next={r.NextAttemptAt:O} claimed={r.ClaimedAt:O} {r.Error}")));
        }
        return counts!;
    }

    /// <summary>Presses Send now for the daily digest through the staff API; returns the issue id.</summary>
    public async Task<long> SendNowAsync(string frequency = "daily")
    {
        using var staff = CreateStaffClient();
        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency });
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            throw new InvalidOperationException($"Send now answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!.Id;
    }

    /// <summary>
    /// Triggers the recurring digest sweep until <paramref name="done"/> holds, waiting <paramref name="perTrigger"/>
    /// after each trigger, for at most <paramref name="budget"/>. The sweep runs one at a time ([SkipWhenRunning]): a
    /// trigger that meets another run (the start-up one) ends Deleted without running, so one trigger may not be
    /// enough. On a timeout the message names what Hangfire did with every sweep job, and <paramref name="state"/>'s
    /// account of the rows.
    /// </summary>
    public async Task SweepUntilAsync(Func<Task<bool>> done, string what, TimeSpan budget, TimeSpan perTrigger, Func<Task<string>>? state = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var recurring = Services.GetRequiredService<Hangfire.IRecurringJobManager>();
        while (true)
        {
            recurring.Trigger(DigestRecovery.SweepJobId);
            try
            {
                await EventuallyAsync(done, what, perTrigger);
                return;
            }
            catch (TimeoutException) when (clock.Elapsed < budget)
            {
            }
            catch (TimeoutException e)
            {
                var rows = state is null ? "" : $" Now {DateTime.UtcNow:O}; {await state()}.";
                throw new TimeoutException($"{e.Message}.{rows} Hangfire's sweep jobs: {SweepJobs()}", e);
            }
        }
    }

    /// <summary>
    /// Waits until the sweep the start-up recovery enqueued has run and no other is waiting or running: a test that
    /// settles journals itself must not race the host's own recovery for the same files.
    /// </summary>
    public Task StartupSweepDoneAsync() => EventuallyAsync(() =>
    {
        var monitoring = Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        return Task.FromResult(
            (monitoring.SucceededJobs(0, 100).Any(j => IsSweep(j.Value.Job)) || monitoring.DeletedJobs(0, 100).Any(j => IsSweep(j.Value.Job)))
            && !monitoring.ProcessingJobs(0, 100).Any(j => IsSweep(j.Value.Job))
            && !monitoring.EnqueuedJobs("default", 0, 100).Any(j => IsSweep(j.Value.Job)));
    }, "the start-up sweep to have run");

    private static bool IsSweep(Hangfire.Common.Job? job) => job?.Type == typeof(DigestSweepJob);

    /// <summary>Every sweep job Hangfire knows of, with its states and their reasons (newest first).</summary>
    private string SweepJobs()
    {
        var monitoring = Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        var ids = monitoring.ProcessingJobs(0, 100).Where(j => IsSweep(j.Value.Job)).Select(j => j.Key)
            .Concat(monitoring.SucceededJobs(0, 100).Where(j => IsSweep(j.Value.Job)).Select(j => j.Key))
            .Concat(monitoring.DeletedJobs(0, 100).Where(j => IsSweep(j.Value.Job)).Select(j => j.Key))
            .Concat(monitoring.FailedJobs(0, 100).Where(j => IsSweep(j.Value.Job)).Select(j => j.Key))
            .Concat(monitoring.EnqueuedJobs("default", 0, 100).Where(j => IsSweep(j.Value.Job)).Select(j => j.Key));
        return string.Join("; ", ids.Select(id => $"{id}: " + string.Join(" <- ",
                   monitoring.JobDetails(id).History.Select(h => $"{h.StateName} {h.CreatedAt:HH:mm:ss.fff} ({h.Reason})"))))
               + $"; enqueued in all: {monitoring.EnqueuedCount("default")}, processing: {monitoring.ProcessingCount()}, servers: {monitoring.Servers().Count}";
    }

    public Task<DeliveryCounts> CountsAsync(long issueId) => WithDbAsync(db => new DeliveryLedger(db, TimeProvider.System).CountAsync(issueId, CancellationToken.None));

    public Task<DigestIssue> IssueAsync(long issueId) => WithDbAsync(db => db.Set<DigestIssue>().AsNoTracking().SingleAsync(i => i.Id == issueId));

    public Task<List<Delivery>> DeliveriesAsync(long issueId) => WithDbAsync(db => db.Set<Delivery>().AsNoTracking().Where(d => d.IssueId == issueId).OrderBy(d => d.Id).ToListAsync());

    public async Task<bool> IsSuppressedAsync(string email)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SuppressionList>().IsSuppressedAsync(EmailAddress.FromStored(email), CancellationToken.None);
    }

    /// <summary>Waits until the issue is Paused and returns it.</summary>
    public async Task<DigestIssue> WaitUntilPausedAsync(long issueId)
    {
        await EventuallyAsync(async () => (await IssueAsync(issueId)).State == DigestIssueState.Paused, $"issue {issueId} to pause");
        // Senders still in flight give their rows back after the pause: wait for the ledger to settle.
        await EventuallyAsync(async () => (await CountsAsync(issueId)).Sending == 0, $"issue {issueId}'s senders to give back their rows");
        return await IssueAsync(issueId);
    }

    /// <summary>The messages the SMTP server accepted for one address.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string address) =>
        Smtp.Messages.Where(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase)).Select(m => m.Message).ToList();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Feed.DisposeAsync();
    }
}
