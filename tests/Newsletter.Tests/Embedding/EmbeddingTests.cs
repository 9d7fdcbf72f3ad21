using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Embedding;

public sealed class EmbedApp : NewsletterApp
{
    public const string Blog = "https://blog.example.org";
    public const string OtherBlog = "http://127.0.0.1:8081";
    public const string Stranger = "https://evil.example";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        // Written as an operator might: a trailing slash, a capital letter; both are still the origin.
        new("Subscribers:AllowedOrigins:0", "https://Blog.example.org/"),
        new("Subscribers:AllowedOrigins:1", OtherBlog),
    ];
}

/// <summary>
/// Subscribers:AllowedOrigins over HTTP: CORS for the API (and for nobody else), the form's return_url, who may frame
/// /subscribe/embed, and the honeypot on each way in. <see cref="EmbedBrowserTests"/> does the same in Chromium.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class EmbeddingTests(EmbedApp app) : IClassFixture<EmbedApp>
{
    [Fact]
    public async Task Only_an_allowed_origin_gets_cors_headers_on_the_preflight_and_the_sign_up()
    {
        var client = app.CreateReaderClient();
        var preflight = await client.SendAsync(Preflight(EmbedApp.Blog));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(EmbedApp.Blog, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("content-type", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);

        var refused = await client.SendAsync(Preflight(EmbedApp.Stranger));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        var allowed = await client.SendAsync(SignUp("cors@example.org", EmbedApp.Blog));
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        Assert.Equal(EmbedApp.Blog, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var other = await client.SendAsync(SignUp("cors-other@example.org", EmbedApp.OtherBlog));
        Assert.Equal(EmbedApp.OtherBlog, other.Headers.GetValues("Access-Control-Allow-Origin").Single());
        // A stranger's page cannot read the answer (its browser would not even send this: the preflight failed).
        var stranger = await client.SendAsync(SignUp("cors-stranger@example.org", EmbedApp.Stranger));
        Assert.False(stranger.Headers.Contains("Access-Control-Allow-Origin"));

        // What a stranger's page can send without a preflight (a "simple" request, text/plain) signs nobody up.
        var simple = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = new StringContent("{\"email\":\"simple@example.org\"}", Encoding.UTF8, "text/plain") };
        simple.Headers.Add("Origin", EmbedApp.Stranger);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.SendAsync(simple)).StatusCode);
        Assert.Null(await Find("simple@example.org"));
    }

    [Fact]
    public async Task The_form_sends_the_reader_back_only_to_an_allowed_origin_and_a_foreign_return_url_signs_nobody_up()
    {
        var client = app.CreateReaderClient();
        var back = await client.PostAsync("/subscribe", Form("back@example.org", EmbedApp.Blog + "/thanks?from=newsletter"));
        Assert.Equal(HttpStatusCode.SeeOther, back.StatusCode);
        Assert.Equal(EmbedApp.Blog + "/thanks?from=newsletter", back.Headers.Location?.OriginalString);
        Assert.Equal("form", (await Find("back@example.org"))?.ConsentSource);

        foreach (var foreign in new[] { EmbedApp.Stranger + "/", "https://blog.example.org.evil.example/", "https://user@blog.example.org/", "//evil.example/", "javascript:alert(1)", "/relative" })
        {
            var refused = await client.PostAsync("/subscribe", Form("foreign@example.org", foreign));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("nothing was done", await refused.Content.ReadAsStringAsync());
        }
        Assert.Null(await Find("foreign@example.org"));

        // A mistake shows our form with the error; the return URL stays in it for the second try.
        var mistake = await client.PostAsync("/subscribe", Form("not-an-address", EmbedApp.Blog + "/thanks"));
        Assert.Equal(HttpStatusCode.BadRequest, mistake.StatusCode);
        Assert.Contains($"name=\"return_url\" value=\"{EmbedApp.Blog}/thanks\"", await mistake.Content.ReadAsStringAsync());
        // A link to our page may carry it too; a foreign one is dropped.
        Assert.Contains("name=\"return_url\"", await client.GetStringAsync("/subscribe?return_url=" + Uri.EscapeDataString(EmbedApp.OtherBlog + "/x")));
        Assert.DoesNotContain("name=\"return_url\"", await client.GetStringAsync("/subscribe?return_url=" + Uri.EscapeDataString(EmbedApp.Stranger + "/x")));

        // The honeypot: thanked and sent back like anyone, nothing recorded.
        var bot = await client.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "bot@example.org"), new("return_url", EmbedApp.Blog + "/thanks"), new("website", "spam")]));
        Assert.Equal((HttpStatusCode.SeeOther, EmbedApp.Blog + "/thanks"), (bot.StatusCode, bot.Headers.Location?.OriginalString));
        Assert.Null(await Find("bot@example.org"));
    }

    [Fact]
    public async Task Only_the_embedded_form_may_be_framed_and_only_by_the_allowed_origins()
    {
        var client = app.CreateReaderClient();
        foreach (var url in new[] { "/subscribe/embed", "/subscribe/embed/thanks" })
        {
            var policy = Policy(await client.GetAsync(url));
            Assert.Contains($"frame-ancestors {EmbedApp.Blog} {EmbedApp.OtherBlog};", policy);
            Assert.DoesNotContain("frame-ancestors 'none'", policy);
            Assert.DoesNotContain("script-src", policy);
        }
        foreach (var url in new[] { "/subscribe", "/subscribe/thanks", "/archive", "/confirm/not-a-token", "/donate", "/admin/login" })
            Assert.Contains("frame-ancestors 'none'", Policy(await client.GetAsync(url)));
        // The full form may send the reader on to the blogs after the post (Chromium checks form-action on that redirect).
        Assert.Contains($"form-action 'self' {EmbedApp.Blog} {EmbedApp.OtherBlog};", Policy(await client.GetAsync("/subscribe")));
        Assert.Contains("form-action 'self';", Policy(await client.GetAsync("/subscribe/embed")));
    }

    [Fact]
    public async Task The_embedded_form_signs_up_answers_in_the_frame_and_drops_bots()
    {
        var client = app.CreateReaderClient();
        var form = await client.GetStringAsync("/subscribe/embed?frequency=daily");
        Assert.Contains("action=\"/subscribe/embed\"", form);
        Assert.Contains("name=\"frequency\" value=\"daily\"", form);
        Assert.Contains("name=\"website\"", form);

        var posted = await client.PostAsync("/subscribe/embed", new FormUrlEncodedContent([new("email", "framed@example.org"), new("frequency", "daily")]));
        Assert.Equal((HttpStatusCode.SeeOther, "/subscribe/embed/thanks"), (posted.StatusCode, posted.Headers.Location?.OriginalString));
        var framed = await Find("framed@example.org");
        Assert.Equal(("embed", DigestFrequency.Daily), (framed?.ConsentSource, framed?.Frequency));
        Assert.Contains("Check your inbox", await client.GetStringAsync("/subscribe/embed/thanks"));

        var mistake = await client.PostAsync("/subscribe/embed", new FormUrlEncodedContent([new("email", "nope")]));
        Assert.Equal(HttpStatusCode.BadRequest, mistake.StatusCode);
        var page = await mistake.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", page);
        Assert.Contains("action=\"/subscribe/embed\"", page);

        var bot = await client.PostAsync("/subscribe/embed", new FormUrlEncodedContent([new("email", "framed-bot@example.org"), new("website", "x")]));
        Assert.Equal(posted.Headers.Location, bot.Headers.Location);
        Assert.Null(await Find("framed-bot@example.org"));
    }

    [Fact]
    public async Task The_api_has_the_honeypot_too()
    {
        var client = app.CreateReaderClient();
        var bot = await client.PostAsJsonAsync("/api/subscribers", new { email = "api-bot@example.org", website = "http://spam.example" });
        var human = await client.PostAsJsonAsync("/api/subscribers", new { email = "api-human@example.org", website = "" });
        Assert.Equal((HttpStatusCode.Accepted, await human.Content.ReadAsStringAsync()), (bot.StatusCode, await bot.Content.ReadAsStringAsync()));
        Assert.Null(await Find("api-bot@example.org"));
        Assert.NotNull(await Find("api-human@example.org"));
    }

    internal static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/subscribers");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return request;
    }

    internal static HttpRequestMessage SignUp(string email, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(new { email }) };
        request.Headers.Add("Origin", origin);
        return request;
    }

    internal static FormUrlEncodedContent Form(string email, string returnUrl) => new([new("email", email), new("return_url", returnUrl)]);

    private static string Policy(HttpResponseMessage response) => response.Headers.GetValues("Content-Security-Policy").Single();

    private Task<Subscriber?> Find(string emailKey) => app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.EmailKey == emailKey));
}
