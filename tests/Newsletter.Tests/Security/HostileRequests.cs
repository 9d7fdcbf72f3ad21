using System.Net.Http.Headers;
using System.Text;

namespace Newsletter.Tests.Security;

/// <summary>
/// Makes hostile requests for one endpoint from a seeded <see cref="Random"/>, so every run sends the same ones:
/// random bytes, invalid UTF-8, truncated and deeply nested JSON, 10 MB fields (with and without Content-Length),
/// JSON of the wrong types, broken forms and multipart bodies, wrong content types, garbage route values, queries
/// and keys. None of them is a valid request, so none may change anything.
/// </summary>
public sealed class HostileRequests(int seed, string apiKey)
{
    /// <summary>Every field name the API and the forms take: the wrong-type bodies use them, so handlers see their own fields.</summary>
    private static readonly string[] FieldNames =
    [
        "email", "name", "frequency", "topics", "website", "amount", "custom_amount", "currency", "interval", "message",
        "year", "date", "source", "reference", "title", "link", "author", "publishedAt", "summary", "content", "categories",
        "imageUrl", "subscriberId", "address", "Email", "Password", "ConfirmPassword", "SetupToken", "ReturnUrl", "__RequestVerificationToken",
    ];

    private static readonly string[] QueryNames =
    [
        "amount", "currency", "interval", "email", "name", "message", "status", "search", "after", "before", "limit", "from", "to",
        "groupBy", "top", "state", "mode", "handler", "ReturnUrl", "session_id", "subscriberId", "frequency", "token",
    ];

    private static readonly string?[] ContentTypes =
    [
        null, "application/json", "application/json; charset=utf-16", "application/json; charset=bogus", "text/plain", "text/csv",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "multipart/form-data", "application/xml",
        "application/octet-stream", "image/png", ";;;", "application/problem+json",
    ];

    private readonly Random _random = new(seed);

    /// <summary>The requests for <paramref name="method"/> on <paramref name="pattern"/> (a route pattern such as "api/admin/subscribers/{id:long}").</summary>
    public IEnumerable<HttpRequestMessage> For(string method, string pattern)
    {
        var kinds = method is "GET" or "HEAD" ? 6 : BodyKinds;
        for (var kind = 0; kind < kinds; kind++)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), Url(pattern));
            if (method is not ("GET" or "HEAD")) request.Content = Body(kind);
            Authenticate(request, pattern);
            yield return request;
        }
    }

    private const int BodyKinds = 16;

    private HttpContent Body(int kind) => kind switch
    {
        0 => Typed(new ByteArrayContent([])),
        1 => Typed(new ByteArrayContent(Bytes(_random.Next(1, 4096)))),
        2 => Json([.. "{\"email\": \""u8, 0xff, 0xfe, .. "@example.org\", \"name\": \""u8, 0xc3, 0x28, .. "\"}"u8]),
        3 => Json(Encoding.UTF8.GetBytes(Truncated(WrongTypes()))),
        4 => Json(Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000))),
        5 => Json(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"email\":", 5_000)) + "1" + new string('}', 5_000))),
        6 => Json(Encoding.UTF8.GetBytes(WrongTypes())),
        7 => Json(Encoding.UTF8.GetBytes(WrongTypes())),
        8 => Json(TenMegabytes(Pick(FieldNames))),
        // The same 10 MB with no Content-Length: only the bytes actually read can stop it.
        9 => Chunked(TenMegabytes(Pick(FieldNames)), "application/json"),
        10 => Form(string.Join('&', Enumerable.Range(0, 5_000).Select(i => $"{Pick(FieldNames)}={i}%zz%{RandomText(3)}"))),
        11 => Form($"email={Uri.EscapeDataString(RandomText(40))}&name=%ZZ%&topics=&topics={new string('x', 70_000)}&frequency=hourly&amount=-5"),
        12 => Bodied("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nemail\r\n\u0000\u0001" + RandomText(100), "multipart/form-data; boundary=x"),
        13 => Bodied("--y\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n" + RandomText(20), "multipart/form-data; boundary=" + new string('z', 100)),
        14 => Bodied("email,name,frequency\n\"unterminated," + RandomText(50) + "\n" + string.Join('\n', Enumerable.Range(0, 50).Select(_ => RandomText(30))), "text/csv"),
        15 => Bodied("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>", "application/xml"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private readonly Dictionary<string, byte[]> _big = [];

    /// <summary>A JSON object with one 10 MB string field (made once per field name: building it is most of the fuzz's time).</summary>
    private byte[] TenMegabytes(string field)
    {
        if (!_big.TryGetValue(field, out var body))
            _big[field] = body = Encoding.UTF8.GetBytes($"{{\"{field}\":\"{new string('a', 10 * 1024 * 1024)}@example.org\"}}");
        return body;
    }

    private string Url(string pattern)
    {
        var segments = pattern.Split('/').Select(segment => segment.StartsWith('{') ? RouteValue(segment) : segment);
        var path = "/" + string.Join('/', segments).TrimEnd('/');
        var query = string.Join('&', Enumerable.Range(0, _random.Next(0, 5)).Select(_ => $"{Pick(QueryNames)}={Uri.EscapeDataString(RandomText(_random.Next(0, 30)))}"));
        return query.Length == 0 ? path : path + "?" + query;
    }

    /// <summary>
    /// A value no row has: ids far past any created here, tokens that are not ours. No NUL: TestServer cannot carry one
    /// in a path (Kestrel answers 400 for it before any of our code runs).
    /// </summary>
    private string RouteValue(string segment) => segment.Contains(":long", StringComparison.Ordinal)
        ? Pick(["999999999", "0", "-1", "9223372036854775807"])
        : Uri.EscapeDataString(Pick([RandomText(_random.Next(1, 60)), new string('A', 3000), "x.y", "..", "%00", "AAAA.BBBB", "\u202e"]).Replace("\0", ""));

    /// <summary>The staff API with the right key (so bodies reach the handlers), a wrong key, or a malformed header.</summary>
    private void Authenticate(HttpRequestMessage request, string pattern)
    {
        if (!pattern.StartsWith("api/", StringComparison.Ordinal) || pattern.StartsWith("api/subscribers", StringComparison.Ordinal)) return;
        switch (_random.Next(6))
        {
            case 0: request.Headers.TryAddWithoutValidation("X-Api-Key", RandomText(40)); break;
            case 1: request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('k', 5000)); break;
            default: request.Headers.TryAddWithoutValidation("X-Api-Key", apiKey); break;
        }
    }

    /// <summary>A JSON object whose fields have values of the wrong type (never a value the field accepts).</summary>
    private string WrongTypes()
    {
        var fields = Enumerable.Range(0, _random.Next(1, 8)).Select(_ => $"\"{Pick(FieldNames)}\": {WrongValue(0)}");
        return "{" + string.Join(", ", fields) + "}";
    }

    private string WrongValue(int depth) => _random.Next(depth > 2 ? 6 : 8) switch
    {
        0 => "1e400",
        1 => "-9223372036854775809",
        2 => "3.75",
        3 => "true",
        4 => "null",
        5 => $"\"{RandomText(10)}\\ud800\"",
        6 => "[" + string.Join(", ", Enumerable.Range(0, _random.Next(0, 4)).Select(_ => WrongValue(depth + 1))) + "]",
        _ => "{\"" + Pick(FieldNames) + "\": " + WrongValue(depth + 1) + "}",
    };

    private string Truncated(string json) => json[..Math.Max(1, _random.Next(json.Length))];

    private ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private ByteArrayContent Typed(ByteArrayContent content)
    {
        if (Pick(ContentTypes) is { } type) content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }

    private static ByteArrayContent Form(string body) => Bodied(body, "application/x-www-form-urlencoded");

    private static ByteArrayContent Bodied(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static StreamContent Chunked(byte[] body, string contentType)
    {
        var content = new StreamContent(new NoLengthStream(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Random characters from everywhere: ASCII, controls, quotes, markup, non-BMP, lone surrogates.</summary>
    private string RandomText(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(_random.Next(10) switch
            {
                0 => (char)_random.Next(0, 32),
                1 => Pick(["\"", "'", "<", ">", "&", "%", "\\", "{{", "}}", "{%", "\r\n"]),
                2 => (char)_random.Next(0xD800, 0xE000),
                3 => char.ConvertFromUtf32(_random.Next(0x1F300, 0x1F5FF)),
                _ => (char)_random.Next(33, 0x2FF),
            });
        }
        return builder.ToString();
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>A body that does not say how long it is, so HttpClient sends no Content-Length.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
