using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Newsletter.Tests.Digests;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1) serving one feed document with an ETag, answering 304 to a matching
/// If-None-Match, so polling goes over the wire exactly as it does against a blog.
/// </summary>
public sealed class TestFeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _body = "<rss version=\"2.0\"><channel><title>Empty</title><link>https://blog.example/</link><description>d</description></channel></rss>";
    private int _version;

    public TestFeedServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/feed.xml", (HttpContext http) =>
        {
            Requests++;
            var etag = $"\"v{_version}\"";
            if (http.Request.Headers.IfNoneMatch.ToString() == etag)
            {
                NotModifiedAnswers++;
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }
            http.Response.Headers.ETag = etag;
            return Results.Text(_body, "application/rss+xml; charset=utf-8");
        });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        FeedUrl = address.TrimEnd('/') + "/feed.xml";
    }

    public string FeedUrl { get; }
    public int Requests { get; private set; }
    public int NotModifiedAnswers { get; private set; }

    /// <summary>Publishes a new version of the feed (a new ETag).</summary>
    public void Publish(string xml)
    {
        _body = xml;
        Interlocked.Increment(ref _version);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
