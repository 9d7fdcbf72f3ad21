using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Templates;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// A template cannot hang or exhaust the server: huge or computed ranges are refused when saved, and an edit that runs
/// past the step limit is abandoned for the file's version, so the public page still answers.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class TemplateLimitTests(TemplateLimitTests.App app) : IClassFixture<TemplateLimitTests.App>
{
    public sealed class App : NewsletterApp
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        }
    }

    [Theory]
    [InlineData("{% for i in (1..2000000000) %}x{% endfor %}", "at most 10,000")]
    [InlineData("{% assign n = 2000000000 %}{% for i in (1..n) %}x{% endfor %}", "plain numbers")]
    [InlineData("{% assign r = (0..99999) %}{{ r.size }}", "at most 10,000")]
    public async Task A_range_that_could_exhaust_memory_is_refused_when_saved(string text, string reason)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<TemplateStore>();
        // Checked before anything renders it: rendering one would take all the machine's memory.
        var error = await store.SaveAsync("pages/message", text, "test", CancellationToken.None);
        Assert.NotNull(error);
        Assert.Contains(reason, error);
        Assert.Null(await store.EditedTextAsync("pages/message", CancellationToken.None));
        // Small literal ranges are fine.
        Assert.Null(await store.SaveAsync("pages/message", "{% for i in (1..3) %}{{ i }}{% endfor %}{{ message }}", "test", CancellationToken.None));
        await store.ResetAsync("pages/message", "test", CancellationToken.None);
    }

    [Fact]
    public async Task An_edit_that_runs_past_the_step_limit_is_abandoned_and_the_page_answers_with_the_files_version()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<TemplateStore>();
        Assert.Null(await store.SaveAsync("pages/subscribe", "{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}", "test", CancellationToken.None));
        try
        {
            var page = await app.CreateReaderClient().GetAsync("/subscribe");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.DoesNotContain("xxxxxxxxxxxxxxxxxxxx", html);
            Assert.Contains("name=\"email\"", html);
            Assert.Contains(app.Logs.Lines, l => l.Event.Name == "TemplateEditFailed" && l.Message.Contains("pages/subscribe", StringComparison.Ordinal));
        }
        finally
        {
            await store.ResetAsync("pages/subscribe", "test", CancellationToken.None);
        }
    }
}
