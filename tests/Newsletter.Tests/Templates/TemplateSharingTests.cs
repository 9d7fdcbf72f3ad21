using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Data;
using Newsletter.Templates;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Templates;

/// <summary>
/// A staff edit saved in one process is what another process renders once its refresh has run: this test's host saves
/// (as the dashboard does, through <see cref="TemplateStore"/>) and a second process of the real binary on the same
/// database serves the public page. A reset brings the file back there too.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class TemplateSharingTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task A_save_in_one_process_is_what_another_process_renders_next_and_a_reset_reaches_it_too()
    {
        var environment = new Dictionary<string, string?>
        {
            ["DataDirectory"] = app.DataDirectory,
            ["Site__BaseUrl"] = "http://localhost",
            ["Site__PostalAddress"] = "1 Test Street, Testville",
            ["Templates__RefreshInterval"] = "00:00:01",
        };
        if (app.Postgres is { } postgres)
        {
            foreach (var (key, value) in postgres.EnvironmentVariables) environment[key] = value;
            // One job server (this test's) on the shared storage: the second process only serves pages.
            environment["Roles"] = "web";
        }
        await using var other = await HostProcess.StartAsync(environment);
        using var reader = other.CreateClient();
        Assert.DoesNotContain("saved-in-the-first-process", await reader.GetStringAsync("/subscribe"));

        var text = app.Services.GetRequiredService<TemplateLibrary>().ReadFile("pages/subscribe");
        Assert.Null(await WithStoreAsync(store => store.SaveAsync("pages/subscribe", text + "<p>saved-in-the-first-process v1</p>", "editor@example.org", CancellationToken.None)));
        await EventuallyServedAsync(reader, page => page.Contains("saved-in-the-first-process v1"), "the other process to render the saved version");

        Assert.Null(await WithStoreAsync(store => store.SaveAsync("pages/subscribe", text + "<p>saved-in-the-first-process v2</p>", "editor@example.org", CancellationToken.None)));
        await EventuallyServedAsync(reader, page => page.Contains("saved-in-the-first-process v2") && !page.Contains("v1</p>"), "the other process to render the second version");

        await WithStoreAsync(async store => { await store.ResetAsync("pages/subscribe", "editor@example.org", CancellationToken.None); return 0; });
        await EventuallyServedAsync(reader, page => !page.Contains("saved-in-the-first-process"), "the other process to render the file again");
    }

    private async Task<T> WithStoreAsync<T>(Func<TemplateStore, Task<T>> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TemplateStore>());
    }

    private static async Task EventuallyServedAsync(HttpClient reader, Func<string, bool> condition, string what)
    {
        string last = "";
        try
        {
            await NewsletterApp.EventuallyAsync(async () =>
            {
                var response = await reader.GetAsync("/subscribe");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return condition(last = await response.Content.ReadAsStringAsync());
            }, what, TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + ". Last page had: " + string.Join(" | ", last.Split('\n').Where(l => l.Contains("saved-in"))), e);
        }
    }
}
