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
/// The whole service for digest tests: the shared real parts plus a feed served over HTTP on 127.0.0.1, small batches,
/// fast retries, no automatic sweep (tests resume explicitly, as a restart would), and a transport that can be told to
/// crash the worker after a number of messages.
/// </summary>
public class DigestApp : NewsletterApp
{
    public TestFeedServer Feed { get; } = new();

    /// <summary>The transport in use: MailKit SMTP to the test server, wrapped so a test can crash a batch.</summary>
    public CrashingTransport Transport { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Articles:Feeds:0", Feed.FeedUrl),
        new("Digests:BatchSize", "10"),
        new("Digests:Connections", "3"),
        new("Digests:CheckpointEvery", "1"),
        new("Digests:RetryDelay", "00:00:01"),
        new("Digests:SweepCron", "0 0 1 1 *"),
        new("Digests:DailyCron", ""),
        new("Digests:WeeklyCron", ""),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IEmailTransport>(sp =>
            Transport = new CrashingTransport(sp.GetRequiredService<SmtpTransport>())));
    }

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

    /// <summary>The messages the SMTP server accepted for one address.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string address) =>
        Smtp.Messages.Where(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase)).Select(m => m.Message).ToList();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Feed.DisposeAsync();
    }
}

/// <summary>
/// MailKit's SMTP transport with one switch: after <see cref="CrashAfter"/> accepted messages, the next send throws
/// before handing anything over, as a worker that dies between two messages would.
/// </summary>
public sealed class CrashingTransport(IEmailTransport inner) : IEmailTransport
{
    private int _accepted;

    public int? CrashAfter { get; set; }
    public bool Crashed { get; private set; }

    public async Task<IEmailSession> OpenAsync(CancellationToken cancellationToken) => new Session(this, await inner.OpenAsync(cancellationToken));

    private sealed class Session(CrashingTransport owner, IEmailSession inner) : IEmailSession
    {
        public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            lock (owner)
            {
                if (owner.CrashAfter is { } limit && owner._accepted >= limit)
                {
                    owner.CrashAfter = null;
                    owner.Crashed = true;
                    throw new InvalidOperationException("Simulated worker crash");
                }
            }
            await inner.SendAsync(message, cancellationToken);
            Interlocked.Increment(ref owner._accepted);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    public void Reset(int? crashAfter)
    {
        _accepted = 0;
        Crashed = false;
        CrashAfter = crashAfter;
    }
}
