using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Digests;
using Newsletter.Subscribers;
using Newsletter.Templates;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// A template cannot make the server fetch anything: a digest rendered from a layout with &lt;link rel=stylesheet&gt;
/// to a local port, to file: and an @import opens no connection, and the styles written in it are still inlined.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class TemplateFetchTests(PagesApp app) : IClassFixture<PagesApp>
{
    [Fact]
    public async Task Css_links_and_imports_in_a_template_are_never_fetched_and_written_styles_are_still_inlined()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connections = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                Interlocked.Increment(ref connections);
            }
        });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var library = scope.ServiceProvider.GetRequiredService<TemplateLibrary>();
            var layout = library.ReadFile("email/layout.html").Replace("</head>", $$"""
                <link rel="stylesheet" href="http://127.0.0.1:{{port}}/evil.css">
                <link rel="stylesheet" href="file:///etc/hostname">
                <style>@import url("http://127.0.0.1:{{port}}/imported.css"); p.fetch-test { color: #123456; }</style>
                </head>
                """, StringComparison.Ordinal).Replace("{{ content | raw }}", "<p class=\"fetch-test\">styled</p>{{ content | raw }}", StringComparison.Ordinal);
            Assert.Null(await scope.ServiceProvider.GetRequiredService<TemplateStore>().SaveAsync("email/layout.html", layout, "test", CancellationToken.None));
        }
        var reader = (await app.AddReadersAsync("fetch", 1)).Single();
        await app.AddArticleAsync("fetch-1", "Nothing to fetch", "books");
        string? html;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var digests = scope.ServiceProvider.GetRequiredService<DigestService>();
            var issue = await digests.PlanAsync(DigestFrequency.Daily, CancellationToken.None);
            Assert.NotNull(issue);
            html = await digests.PreviewAsync(issue!.Id, reader.Id, CancellationToken.None);
        }
        // Give a fetch that was started time to connect.
        await Task.Delay(500);
        Assert.Equal(0, connections);
        Assert.NotNull(html);
        Assert.DoesNotContain("evil.css", html);
        Assert.DoesNotContain("@import", html);
        Assert.Contains("color: #123456", html.Replace("color:#123456", "color: #123456", StringComparison.Ordinal));
        Assert.Contains("Nothing to fetch", html);
        listener.Stop();
    }
}
