using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1) serving one feed document with an ETag, answering 304 to a matching
/// If-None-Match, so polling goes over the wire exactly as it does against a blog.
/// </summary>
public sealed class TestFeedServer : IAsyncDisposable
{
    private readonly LocalHttpServer _server;
    private volatile string _body = "<rss version=\"2.0\"><channel><title>Empty</title><link>https://blog.example/</link><description>d</description></channel></rss>";
    private int _version;

    public TestFeedServer()
    {
        _server = new LocalHttpServer(app => app.MapGet("/feed.xml", (HttpContext http) =>
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
        }));
        FeedUrl = _server.BaseUrl + "/feed.xml";
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

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
