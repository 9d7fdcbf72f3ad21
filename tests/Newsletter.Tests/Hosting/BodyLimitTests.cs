using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// The 16 KiB limit of the public JSON API, over real Kestrel: with a declared length, 16,384 bytes are read and
/// 16,385 refused with 413 before anything is stored; a chunked body (no length declared) at the same edge.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class BodyLimitTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    private const int Limit = 16 * 1024;

    [Fact]
    public async Task A_sign_up_of_exactly_16_KiB_is_taken_and_one_byte_more_is_refused_with_413()
    {
        var atLimit = await PostAsync(SignUpOfLength("edge-declared@limits.example", Limit), chunked: false);
        Assert.True(atLimit.StatusCode == HttpStatusCode.Accepted, $"{(int)atLimit.StatusCode}: {await atLimit.Content.ReadAsStringAsync()}");
        await AssertRefusedAsync(await PostAsync(SignUpOfLength("over-declared@limits.example", Limit + 1), chunked: false));

        Assert.True(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == "edge-declared@limits.example")));
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == "over-declared@limits.example")));
    }

    [Fact]
    public async Task A_chunked_sign_up_of_exactly_16_KiB_is_taken_and_one_byte_more_is_refused_with_413()
    {
        // No length declared: the limit holds on the bytes read, at the same edge as a declared length.
        var atLimit = await PostAsync(SignUpOfLength("edge-chunked@limits.example", Limit), chunked: true);
        Assert.True(atLimit.StatusCode == HttpStatusCode.Accepted, $"{(int)atLimit.StatusCode}: {await atLimit.Content.ReadAsStringAsync()}");
        await AssertRefusedAsync(await PostAsync(SignUpOfLength("over-chunked@limits.example", Limit + 1), chunked: true));

        Assert.True(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == "edge-chunked@limits.example")));
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == "over-chunked@limits.example")));
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A valid sign-up padded with JSON whitespace to exactly <paramref name="length"/> bytes.</summary>
    private static byte[] SignUpOfLength(string email, int length)
    {
        var head = $"{{\"email\":\"{email}\"";
        var body = Encoding.UTF8.GetBytes(head + new string(' ', length - head.Length - 1) + "}");
        Assert.Equal(length, body.Length);
        return body;
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body, bool chunked)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = new StreamContent(new MemoryStream(body)) };
        request.Content.Headers.ContentType = new("application/json");
        if (chunked) request.Headers.TransferEncodingChunked = true;
        else request.Content.Headers.ContentLength = body.Length;
        return await app.LocalClient().SendAsync(request);
    }
}
