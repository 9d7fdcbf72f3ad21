using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>Bad input gets a clear RFC 7807 answer and changes nothing.</summary>
[Collection(HostCollection.Name)]
public sealed class HostileInputTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Theory]
    [InlineData("victim@example.org\r\nBcc: everyone@example.org", "email")]
    [InlineData("victim@example.org%0d%0aBcc:x@example.org", "email")]
    public async Task Header_injection_in_the_address_is_refused(string email, string field)
    {
        var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email });
        await AssertProblem(response, HttpStatusCode.BadRequest, field);
        await AssertNothingStored();
    }

    [Fact]
    public async Task Header_injection_in_the_name_is_refused()
    {
        var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "named@example.org", name = "Eve\r\nBcc: all@example.org" });
        await AssertProblem(response, HttpStatusCode.BadRequest, "name");
        await AssertNothingStored();
    }

    [Fact]
    public async Task An_address_of_255_characters_is_refused_and_one_of_254_is_taken()
    {
        var tooLong = Newsletter.Tests.Email.EmailAddressTests.OfLength(255, "refused");
        var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = tooLong });
        await AssertProblem(response, HttpStatusCode.BadRequest, "email");
        Assert.Contains("longer than 254 characters", await response.Content.ReadAsStringAsync());
        await AssertNothingStored();

        var longest = Newsletter.Tests.Email.EmailAddressTests.OfLength(254, TakenPrefix);
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = longest })).StatusCode);
        Assert.Equal(longest, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey.StartsWith(TakenPrefix)).Select(s => s.Email).SingleAsync()));
    }

    /// <summary>The one address a test here means to store (the longest allowed); every other test stores nothing.</summary>
    private const string TakenPrefix = "taken-at-the-edge";

    [Fact]
    public async Task An_oversize_body_is_refused_before_it_is_read()
    {
        var body = "{\"email\":\"big@example.org\",\"name\":\"" + new string('a', 100_000) + "\"}";
        var response = await app.CreateReaderClient().PostAsync("/api/subscribers", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, null);
        await AssertNothingStored();
    }

    [Fact]
    public async Task Invalid_utf8_is_refused()
    {
        var bytes = Encoding.ASCII.GetBytes("{\"email\":\"bad").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.ASCII.GetBytes("@example.org\"}")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        var response = await app.CreateReaderClient().PostAsync("/api/subscribers", content);
        await AssertProblem(response, HttpStatusCode.BadRequest, null);
        await AssertNothingStored();
    }

    [Fact]
    public async Task Malformed_json_and_wrong_types_are_refused_with_problem_details()
    {
        var reader = app.CreateReaderClient();
        await AssertProblem(await reader.PostAsync("/api/subscribers", new StringContent("{\"email\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, null);
        await AssertProblem(await reader.PostAsync("/api/subscribers", new StringContent("{\"email\":42}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, null);
        await AssertProblem(await reader.PostAsJsonAsync("/api/subscribers", new { email = "ok@example.org", frequency = "hourly" }), HttpStatusCode.BadRequest, "frequency");
        await AssertProblem(await reader.PostAsJsonAsync("/api/subscribers", new { email = "ok@example.org", topics = new[] { "gardening" } }), HttpStatusCode.BadRequest, "topics");
        await AssertNothingStored();
    }

    [Fact]
    public async Task An_idn_domain_is_stored_and_mailed_in_punycode()
    {
        var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "jörg@bücher.example" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // The server offers SMTPUTF8, so MailKit may give it the Unicode domain; either way it is the same mailbox.
        static bool ToJorg(ReceivedMessage m) => m.Recipients.Any(r => r is "jörg@xn--bcher-kva.example" or "jörg@bücher.example");
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Smtp.Messages.Any(ToJorg)), "the confirmation to jörg");
        var message = app.Smtp.Messages.Single(ToJorg);
        Assert.Equal("jörg@xn--bcher-kva.example", message.Message.To.Mailboxes.Single().GetAddress(idnEncode: true));
        var stored = await app.WithDbAsync(db => db.Set<Subscriber>().SingleAsync(s => s.EmailKey == "jörg@xn--bcher-kva.example"));
        Assert.Equal("jörg@xn--bcher-kva.example", stored.Email);
    }

    [Fact]
    public async Task The_html_form_shows_errors_on_the_page_and_stores_nothing()
    {
        var response = await app.CreateReaderClient().PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "not-an-address"), new("name", "<script>alert(1)</script>")]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("needs a name, an @ and a domain", html);
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        await AssertNothingStored();
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", body); // no stack trace
        if (field is not null) Assert.Contains($"\"{field}\"", body);
    }

    private async Task AssertNothingStored()
    {
        var count = await app.WithDbAsync(db => db.Set<Subscriber>().CountAsync(s => !s.EmailKey.StartsWith("jörg@") && !s.EmailKey.StartsWith(TakenPrefix)));
        Assert.Equal(0, count);
    }
}
