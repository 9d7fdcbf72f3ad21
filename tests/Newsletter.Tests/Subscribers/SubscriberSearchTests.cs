using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>
/// The one subscriber search, through its two callers: the admin API pages oldest first with 'after' and 'limit', the
/// dashboard's directory newest first with 'before'; both find the same readers by the start of an address or a name.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SubscriberSearchTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task The_api_pages_oldest_first_and_the_directory_newest_first_over_the_same_matches()
    {
        var now = DateTime.UtcNow;
        var readers = new[] { "hazel@search.example", "hank@search.example", "otto@search.example", "ida@search.example" }.Select((email, i) => new Subscriber
        {
            Email = email, EmailKey = email, Name = i == 2 ? "Harriet Otto" : null, Status = SubscriberStatus.Confirmed,
            CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConsentSource = "test",
        }).ToList();
        await app.WithDbAsync(async db =>
        {
            db.AddRange(readers);
            await db.SaveChangesAsync();
        });
        long[] expected = [readers[0].Id, readers[1].Id, readers[2].Id];

        using var staff = app.CreateStaffClient();
        var first = await staff.GetFromJsonAsync<SubscriberAdminApi.SubscriberPage>("/api/admin/subscribers?search=ha&limit=2");
        Assert.Equal(expected[..2], first!.Items.Select(s => s.Id));
        Assert.Equal(expected[1], first.Next);
        var second = await staff.GetFromJsonAsync<SubscriberAdminApi.SubscriberPage>($"/api/admin/subscribers?search=ha&limit=2&after={first.Next}");
        Assert.Equal(expected[2..], second!.Items.Select(s => s.Id));
        Assert.Null(second.Next);

        await using var scope = app.Services.CreateAsyncScope();
        var directory = scope.ServiceProvider.GetRequiredService<SubscriberDirectory>();
        var page = await directory.SearchAsync(new SubscriberSearch("ha", null, null, null), CancellationToken.None);
        Assert.Equal(expected.Reverse(), page.Items.Select(s => s.Id));
        var below = await directory.SearchAsync(new SubscriberSearch("ha", null, null, expected[2]), CancellationToken.None);
        Assert.Equal(expected[..2].Reverse(), below.Items.Select(s => s.Id));
    }
}
