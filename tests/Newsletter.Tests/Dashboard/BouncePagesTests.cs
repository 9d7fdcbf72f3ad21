using Newsletter.Bounces;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Newsletter.Web;
using Microsoft.EntityFrameworkCore;

namespace Newsletter.Tests.Dashboard;

/// <summary>The Bounces page as a logged-in editor: rates per issue from the ledger and the warning above 0.3% complaints.</summary>
[Collection(HostCollection.Name)]
public sealed class BouncePagesTests(PagesApp app) : IClassFixture<PagesApp>, IAsyncLifetime
{
    private readonly StaffBrowser _browser = new(app);

    public async Task InitializeAsync()
    {
        await StaffBrowser.EnsureAccountAsync(app, "bounce-editor@example.org", StaffRoles.Editor);
        await _browser.LogInAsync("bounce-editor@example.org");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_page_shows_each_issues_bounce_and_complaint_rate_and_warns_above_gmails_line()
    {
        var readers = await app.AddReadersAsync("rates", 1000);
        // 1000 delivered each: the first issue has 4 complaints (0.4%, above 0.3%), the second 3 (0.3%, at the line).
        var noisy = await IssueAsync("Noisy issue", readers, bounced: 20, complained: 4);
        var fine = await IssueAsync("Fine issue", readers, bounced: 5, complained: 3);
        await app.WithDbAsync(async db =>
        {
            var inbound = new InboundMessage { Key = "mid:page-test@example", Outcome = InboundOutcome.Applied, ReceivedAt = DateTime.UtcNow };
            db.Add(inbound);
            await db.SaveChangesAsync();
            db.Add(new BounceEvent { InboundMessageId = inbound.Id, At = DateTime.UtcNow, Kind = BounceKind.Hard, AddressHash = "x", SubscriberId = readers[0].Id,
                IssueId = noisy, Status = "5.1.1", Diagnostic = "550 5.1.1 user unknown", Effect = "suppressed" });
            db.Add(new InboundMessage { Key = "mid:forged-page@example", Outcome = InboundOutcome.Forged, ReceivedAt = DateTime.UtcNow, Note = "Bounce token does not verify" });
            await db.SaveChangesAsync();
        });

        var page = await _browser.GetPageAsync("/admin/bounces");
        Assert.Contains("href=\"/admin/bounces\"", page);
        Assert.Contains("id=\"complaint-warning\"", page);
        var warning = page[page.IndexOf("id=\"complaint-warning\"", StringComparison.Ordinal)..page.IndexOf("</div>", page.IndexOf("id=\"complaint-warning\"", StringComparison.Ordinal), StringComparison.Ordinal)];
        Assert.Contains($"#{noisy}", warning);
        Assert.DoesNotContain($"#{fine}", warning);
        Assert.Contains("2.00%", page);
        Assert.Contains("0.40%", page);
        Assert.Contains("0.30%", page);
        Assert.Contains("550 5.1.1 user unknown", page);
        Assert.Contains("Bounce token does not verify", page);
    }

    private Task<long> IssueAsync(string subject, List<Subscriber> readers, int bounced, int complained) => app.WithDbAsync(async db =>
    {
        var issue = new DigestIssue { Key = "rates:" + Guid.NewGuid(), Subject = subject, State = DigestIssueState.Sent, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow };
        db.Add(issue);
        await db.SaveChangesAsync();
        db.AddRange(readers.Select((r, i) => new Delivery
        {
            IssueId = issue.Id, SubscriberId = r.Id,
            State = i < bounced ? DeliveryState.Bounced : i < bounced + complained ? DeliveryState.Complained : DeliveryState.Sent,
        }));
        await db.SaveChangesAsync();
        return issue.Id;
    });
}
