using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1) serving one feed document with an ETag, answering 304 to a matching
/// If-None-Match, so polling goes over the wire exactly as it does against a blog. A second feed (<see cref="DatedFeedUrl"/>)
/// is dated only, as many blogs' are: Last-Modified and no ETag, 304 to an If-Modified-Since not older than it.
/// </summary>
public sealed class TestFeedServer : IAsyncDisposable
{
    private readonly LocalHttpServer _server;
    private volatile string _body = "<rss version=\"2.0\"><channel><title>Empty</title><link>https://blog.example/</link><description>d</description></channel></rss>";
    private int _version;

    public TestFeedServer()
    {
        _server = new LocalHttpServer(app =>
        {
            app.MapGet("/feed.xml", (HttpContext http) =>
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
            app.MapGet("/dated.xml", (HttpContext http) =>
            {
                var (body, modified) = _dated;
                var since = http.Request.GetTypedHeaders().IfModifiedSince;
                lock (_datedSeen) _datedSeen.Add(since);
                if (since is { } seen && seen >= modified)
                {
                    Interlocked.Increment(ref _datedNotModified);
                    return Results.StatusCode(StatusCodes.Status304NotModified);
                }
                http.Response.GetTypedHeaders().LastModified = modified;
                return Results.Text(body, "application/rss+xml; charset=utf-8");
            });
        });
        FeedUrl = _server.BaseUrl + "/feed.xml";
        DatedFeedUrl = _server.BaseUrl + "/dated.xml";
    }

    private volatile Tuple<string, DateTimeOffset> _dated = Tuple.Create("<rss version=\"2.0\"><channel><title>Empty</title><link>https://blog.example/</link><description>d</description></channel></rss>",
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<DateTimeOffset?> _datedSeen = [];
    private int _datedNotModified;

    /// <summary>The dated feed: Last-Modified only.</summary>
    public string DatedFeedUrl { get; }

    /// <summary>The If-Modified-Since of every request to the dated feed (null: none sent).</summary>
    public IReadOnlyList<DateTimeOffset?> DatedIfModifiedSince { get { lock (_datedSeen) return _datedSeen.ToList(); } }

    /// <summary>How many times the dated feed answered 304.</summary>
    public int DatedNotModifiedAnswers => Volatile.Read(ref _datedNotModified);

    /// <summary>Publishes a new version of the dated feed, last modified at <paramref name="modified"/> (whole seconds).</summary>
    public void PublishDated(string xml, DateTimeOffset modified) => _dated = Tuple.Create(xml, modified);

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
