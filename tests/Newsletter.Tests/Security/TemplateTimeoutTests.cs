using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Templates;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>A render that takes longer than Templates:RenderTimeout is given up: the page answers with the file's version.</summary>
[Collection(HostCollection.Name)]
public sealed class TemplateTimeoutTests(TemplateTimeoutTests.App app) : IClassFixture<TemplateTimeoutTests.App>
{
    /// <summary>Steps high enough that only the timeout can stop the loop below (20 million steps, about a second here).</summary>
    public sealed class App : NewsletterApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Templates:MaxSteps", "100000000"),
            new("Templates:RenderTimeout", "00:00:00.050"),
        ];
    }

    [Fact]
    public async Task A_slow_edit_is_given_up_after_the_render_timeout()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<TemplateStore>();
        Assert.Null(await store.SaveAsync("pages/subscribe", "{% for i in (1..2000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}slow", "test", CancellationToken.None));
        try
        {
            var page = await app.CreateReaderClient().GetAsync("/subscribe");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(html.Contains("name=\"email\"", StringComparison.Ordinal), "The file's form is not on the page:\n" + html);
            Assert.DoesNotContain("slow", html);
        }
        finally
        {
            await store.ResetAsync("pages/subscribe", "test", CancellationToken.None);
        }
    }
}
