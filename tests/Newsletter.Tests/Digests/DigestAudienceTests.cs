using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Articles;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// The digest audience's SQL form (the fan-out's <c>INSERT ... SELECT</c>) and its LINQ form (the dashboard's count)
/// choose the same readers from a mixed list, on the database of the run.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestAudienceTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task The_sql_and_linq_forms_choose_the_same_readers_from_a_mixed_list()
    {
        var now = DateTime.UtcNow;
        Subscriber Reader(string name, DigestFrequency frequency, string topics, SubscriberStatus status = SubscriberStatus.Confirmed, string? language = null) => new()
        {
            Email = $"{name}@audience.example", EmailKey = $"{name}@audience.example", Name = name, Frequency = frequency, Topics = topics,
            Status = status, Language = language, CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConsentSource = "test",
        };
        var readers = new[]
        {
            Reader("all-topics", DigestFrequency.Weekly, ""),
            Reader("books", DigestFrequency.Weekly, "books", language: "de"),
            Reader("books-and-music", DigestFrequency.Weekly, "books,music", language: "en"),
            Reader("music-only", DigestFrequency.Weekly, "music"),
            Reader("film-prefix", DigestFrequency.Weekly, "filmmaking"),
            Reader("film", DigestFrequency.Weekly, "film,theatre", language: "de"),
            Reader("daily-books", DigestFrequency.Daily, "books"),
            Reader("daily-all", DigestFrequency.Daily, ""),
            Reader("unconfirmed", DigestFrequency.Weekly, "", SubscriberStatus.Unconfirmed),
            Reader("unsubscribed", DigestFrequency.Weekly, "books", SubscriberStatus.Unsubscribed),
            Reader("suppressed", DigestFrequency.Weekly, "books"),
        };
        await app.WithDbAsync(async db =>
        {
            db.AddRange(readers);
            await db.SaveChangesAsync();
        });
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // Suppression is checked when the batch sends, not in the audience: the list holds hashes SQL cannot compute.
            Assert.True(EmailAddress.TryParse("suppressed@audience.example", out var address, out _));
            await scope.ServiceProvider.GetRequiredService<SuppressionList>().AddAsync(address, SuppressionReason.HardBounce, null, CancellationToken.None);
        }
        var mine = readers.Select(r => r.Id).ToList();
        string[] expected = ["all-topics", "books", "books-and-music", "film", "suppressed"];
        var issue = new DigestIssue { Key = "audience-test", Subject = "Audience", Frequency = DigestFrequency.Weekly, Topics = "books,film" };

        var bySql = await app.WithDbAsync(db =>
        {
            var parameters = new List<object>();
            var where = DigestAudience.Sql(db.Database, issue, parameters);
            var sql = "SELECT s.\"Id\" AS \"Value\" FROM \"Subscribers\" AS s WHERE " + where;
            return db.Database.SqlQueryRaw<long>(sql, parameters.ToArray()).ToListAsync();
        });
        var byLinq = await app.WithDbAsync(db => DigestAudience.Of(db.Set<Subscriber>(), issue).Select(s => s.Id).ToListAsync());
        var count = await app.WithDbAsync(db => DigestAudience.Of(db.Set<Subscriber>(), issue).CountAsync(s => mine.Contains(s.Id)));

        string[] Names(IEnumerable<long> ids) => readers.Where(r => ids.Contains(r.Id)).Select(r => r.Name!).Order().ToArray();
        Assert.Equal(expected.Order(), Names(bySql));
        Assert.Equal(expected.Order(), Names(byLinq));
        Assert.Equal(expected.Length, count);

        // The renderer's form: a reader with topics reads the articles of theirs, a reader without reads all.
        Article Story(string title, string categories) => new()
        {
            ExternalId = title, Source = "test", Title = title, Link = "https://blog.example/" + title, Categories = categories,
        };
        var articles = new[] { Story("a", "books"), Story("b", "film,music"), Story("c", "filmmaking") };
        Assert.Equal(["a", "b", "c"], DigestAudience.ArticlesFor("", articles).Select(a => a.Title));
        Assert.Equal(["a", "b"], DigestAudience.ArticlesFor("books,film", articles).Select(a => a.Title));
        Assert.Empty(DigestAudience.ArticlesFor("theatre", articles));
    }
}
