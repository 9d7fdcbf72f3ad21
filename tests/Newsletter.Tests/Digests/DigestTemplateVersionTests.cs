using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Templates;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>One Hangfire worker, so an issue's batch ranges run one after another and a test can act between them.</summary>
public sealed class OneWorkerDigestApp : DigestApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => base.Settings.Concat([new("Jobs:WorkerCount", "1")]);
}

/// <summary>
/// One version per render: a digest issue is rendered once (per topic set and language) and every copy this process
/// sends is cut from that render, so a staff save in the middle of the send does not give later readers another
/// version of the template than earlier ones.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DigestTemplateVersionTests(OneWorkerDigestApp app) : IClassFixture<OneWorkerDigestApp>
{
    [Fact]
    public async Task A_template_saved_while_an_issue_is_sending_does_not_reach_the_rest_of_that_issue()
    {
        await app.ClearAudienceAsync();
        await app.WithDbAsync(db => db.Set<Newsletter.Articles.Article>().ExecuteUpdateAsync(s => s.SetProperty(a => a.Hidden, true)));
        // 25 readers in ranges of 10 (Digests:BatchSize): three batch jobs, run one at a time by the one worker.
        var readers = await app.AddReadersAsync("version", 25);
        var file = app.Services.GetRequiredService<TemplateLibrary>().ReadFile("digest/digest.html");
        Assert.Null(await SaveAsync(file + "<p>template-version-one</p>"));
        await app.PushArticleAsync($"version-{Guid.NewGuid():N}", "One version", "books");

        // The server holds its first answer: the first range is rendered and sending, the other two wait in the queue.
        var firstHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Smtp.BeforeDataReply = () => { firstHeld.TrySetResult(); return release.Task; };
        try
        {
            var issue = await app.SendNowAsync();
            await firstHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Null(await SaveAsync(file + "<p>template-version-two</p>"));
            release.SetResult();
            var counts = await app.WaitUntilSentAsync(issue);
            Assert.Equal(25, counts.Sent);
        }
        finally
        {
            release.TrySetResult();
            app.Smtp.BeforeDataReply = null;
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TemplateStore>().ResetAsync("digest/digest.html", "test", CancellationToken.None);
        }

        foreach (var reader in readers)
        {
            var html = Assert.Single(app.MessagesTo(reader.Email)).HtmlBody;
            Assert.Contains("template-version-one", html);
            Assert.DoesNotContain("template-version-two", html);
        }
    }

    private async Task<string?> SaveAsync(string text)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TemplateStore>().SaveAsync("digest/digest.html", text, "editor@example.org", CancellationToken.None);
    }
}
