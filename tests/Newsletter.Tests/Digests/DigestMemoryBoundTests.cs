using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// Memory flat in the audience size: a batch job holds one id range of at most <c>Digests:BatchSize</c> ledger rows
/// (10 in these tests) and their readers, whatever the audience. RSS is the benchmark's to measure
/// (scripts/bench-send.sh); this bounds what each batch loads, as its own report says.
/// </summary>
[Collection(HostCollection.Name)]
public sealed partial class DigestMemoryBoundTests(DigestMemoryBoundTests.App app) : IClassFixture<DigestMemoryBoundTests.App>
{
    public sealed class App : DigestApp
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The batch report is at Information, below the test host's usual level.
            builder.ConfigureLogging(logging => logging.AddProvider(Logs).AddFilter("Newsletter.Digests.DigestBatchJob", LogLevel.Information));
        }
    }

    private const int BatchSize = 10;

    [Fact]
    public async Task Each_batch_holds_at_most_one_range_of_batch_size_rows_however_large_the_audience()
    {
        await app.ClearAudienceAsync();
        await app.WithDbAsync(db => db.Set<Newsletter.Articles.Article>().ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        // Nine and a half times the batch size.
        const int audience = 95;
        await app.AddReadersAsync("bound", audience);
        await app.PushArticleAsync($"bound-{Guid.NewGuid():N}", "Bounded batches", "books");

        var issue = await app.SendNowAsync();
        var counts = await app.WaitUntilSentAsync(issue);
        Assert.Equal(audience, counts.Sent);

        // Every batch job reports its range and what it did with the rows it loaded.
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(Batches(issue).Sum(b => b.Sent) == audience),
            "a DigestBatchSent report for every range", TimeSpan.FromSeconds(10));
        var batches = Batches(issue);
        Assert.True(batches.Count >= audience / BatchSize, $"{batches.Count} batch reports for {audience} readers in ranges of {BatchSize}");
        Assert.All(batches, b =>
        {
            Assert.InRange(b.ToId - b.FromId + 1, 1, BatchSize);
            Assert.InRange(b.Sent + b.Other, 0, BatchSize);
        });
    }

    private List<(long FromId, long ToId, int Sent, int Other)> Batches(long issueId) =>
        app.Logs.Lines.Where(l => l.Event.Name == "DigestBatchSent")
            .Select(l => BatchSent().Match(l.Message))
            .Where(m => m.Success && long.Parse(m.Groups["issue"].Value) == issueId)
            .Select(m => (long.Parse(m.Groups["from"].Value), long.Parse(m.Groups["to"].Value), int.Parse(m.Groups["sent"].Value), int.Parse(m.Groups["other"].Value)))
            .ToList();

    [GeneratedRegex(@"^Digest issue (?<issue>\d+) ids (?<from>\d+)-(?<to>\d+): (?<sent>\d+) sent, (?<other>\d+) not sent$")]
    private static partial Regex BatchSent();
}
