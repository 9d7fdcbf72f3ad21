using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// An issue has one date wherever a reader meets it: its email, the archive and the landing page all say its period's
/// end in Digests:TimeZone (the pages said the UTC day of its start).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ArchiveDateZoneTests(DigestContentApp app) : IClassFixture<DigestContentApp>
{
    [Fact]
    public async Task The_archive_and_the_landing_page_date_an_issue_in_the_digest_time_zone()
    {
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        await app.WithDbAsync(db => db.Set<Newsletter.Articles.Article>().ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        var readers = await app.AddReadersAsync("archzone", 1);
        await app.PushArticleAsync($"archzone-{Guid.NewGuid():N}", "Dated far away", "books");

        var issue = await app.SendNowAsync();
        await app.WaitUntilSentAsync(issue);
        var dated = (await app.IssueAsync(issue)).PeriodEnd;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(DigestContentApp.Zone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(dated, DateTimeKind.Utc), zone).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var utc = dated.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        // The class's zone is picked so that the two days differ (unless this run crossed its boundary hour).
        // The email itself says the local day.
        Assert.Contains(local, app.MessagesTo(readers[0].Email).Single().TextBody);

        using var reader = app.CreateReaderClient();
        var archive = await reader.GetStringAsync("/archive");
        var home = await reader.GetStringAsync("/");
        foreach (var (page, html) in new[] { ("/archive", archive), ("/", home) })
        {
            // This issue's own entry: from its link to the next issue's.
            var start = html.IndexOf($"archive/{issue}\"", StringComparison.Ordinal);
            Assert.True(start >= 0, $"{page} does not list issue {issue}");
            var next = html.IndexOf("archive/", start + 8, StringComparison.Ordinal);
            var entry = html[start..(next < 0 ? html.Length : next)];
            Assert.True(entry.Contains(local), $"{page} dates issue {issue} '{(entry.Contains(utc) ? utc : "?")}', not the local '{local}' ({DigestContentApp.Zone})");
        }
    }
}
