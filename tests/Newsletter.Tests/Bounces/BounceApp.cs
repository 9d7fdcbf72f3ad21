using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Bounces;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// The digest host with bounces on: VERP to bounces@test-review.example, a real Dovecot with a bounce mailbox and an
/// unsubscribe mailbox read by the scanner (IDLE), every provider webhook set up, and SNS certificates fetched
/// through <see cref="SnsCertificateServer"/>, the one thing that stands in for the internet.
/// </summary>
public sealed class BounceApp : DigestApp
{
    public const string WebhookSecret = "generic-webhook-secret-0123456789";
    public const string PostmarkUser = "postmark";
    public const string PostmarkPassword = "postmark-password-0123";

    public DovecotServer Dovecot { get; } = new("bounces", "unsubscribe");
    public SnsCertificateServer Sns { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => base.Settings.Concat(
    [
        new("Bounces:Address", "bounces@test-review.example"),
        new("Bounces:MailboxLease", "00:00:09"),
        .. Mailbox("Imap", "bounces"),
        .. Mailbox("UnsubscribeImap", "unsubscribe"),
        new("Bounces:Ses:Enabled", "true"),
        new("Bounces:Postmark:Username", PostmarkUser),
        new("Bounces:Postmark:Password", PostmarkPassword),
        new("Bounces:Webhook:Secret", WebhookSecret),
    ]);

    private IEnumerable<KeyValuePair<string, string?>> Mailbox(string section, string user) =>
    [
        new($"Bounces:{section}:Host", "127.0.0.1"),
        new($"Bounces:{section}:Port", Dovecot.Port.ToString()),
        new($"Bounces:{section}:Security", "None"),
        new($"Bounces:{section}:Username", user),
        new($"Bounces:{section}:Password", DovecotServer.Password),
        new($"Bounces:{section}:PollInterval", "00:00:02"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddHttpClient(SnsMessageVerifier.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Sns);
            // xunit disposes the fixture through NewsletterApp, which stops the host: Dovecot stops with it.
            services.AddHostedService(_ => new StopWithHost(Dovecot));
        });
    }

    private sealed class StopWithHost(DovecotServer dovecot) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => dovecot.DisposeAsync().AsTask();
    }

    /// <summary>Sends a daily issue (a fresh article) to the readers now confirmed, waits until it is done, returns its id.</summary>
    public async Task<long> SendIssueAsync(string articleId)
    {
        await PushArticleAsync(articleId, "Article " + articleId, "books");
        using var staff = CreateStaffClient();
        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var issue = (await response.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!;
        await WaitUntilSentAsync(issue.Id);
        return issue.Id;
    }

    /// <summary>The copy of <paramref name="issueId"/> the SMTP server got for a reader, with its envelope sender.</summary>
    public ReceivedMessage Received(long issueId, string email) =>
        Smtp.Messages.Single(m => m.Recipients.Contains(email) && m.From.StartsWith($"bounces+d{issueId}-", StringComparison.Ordinal));

    /// <summary>The VERP token of a received copy (the envelope sender's part after the '+').</summary>
    public static string Token(ReceivedMessage message) => message.From[(message.From.IndexOf('+') + 1)..message.From.IndexOf('@')];

    public Task<InboundMessage?> InboundAsync(string messageId) =>
        WithDbAsync(db => db.Set<InboundMessage>().AsNoTracking().SingleOrDefaultAsync(m => m.Key == "mid:" + messageId));

    /// <summary>Waits until the inbound message with this Message-ID is recorded by the scanner.</summary>
    public async Task<InboundMessage> WaitForInboundAsync(string messageId)
    {
        InboundMessage? found = null;
        await EventuallyAsync(async () => (found = await InboundAsync(messageId)) is not null, $"inbound message {messageId} to be recorded");
        return found!;
    }

    public Task<DeliveryState> DeliveryStateAsync(long issueId, long subscriberId) =>
        WithDbAsync(db => db.Set<Delivery>().Where(d => d.IssueId == issueId && d.SubscriberId == subscriberId).Select(d => d.State).SingleAsync());

    public static byte[] WithMessageId(byte[] raw, string newId)
    {
        var message = MimeMessage.Load(new MemoryStream(raw));
        message.MessageId = newId;
        using var output = new MemoryStream();
        message.WriteTo(output);
        return output.ToArray();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Dovecot.DisposeAsync();
    }
}
