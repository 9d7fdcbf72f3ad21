using System.Text;
using Newsletter.Bounces;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// Anybody can mail the bounce mailbox. Messages written to make the bounce heuristics' patterns backtrack (the shape
/// of a bounce with the text where an address should be replaced by runs of blank lines or angle brackets) must not
/// stop the scanner: each is recorded and set aside, and the real bounce after them is applied. Its own host: before
/// the fix the scanner stuck on the first of them for good (a pattern exponential in the blank lines).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CraftedMailTests(BounceApp app) : IClassFixture<BounceApp>
{
    [Fact]
    public async Task Messages_crafted_to_stall_the_bounce_patterns_do_not_stop_the_scanner_from_reading_the_bounces_after_them()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("crafted", 1);
        var issue = await app.SendIssueAsync("crafted-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));

        string Crafted(string id, string contentType, string body) =>
            "From: MAILER-DAEMON@attacker.example\r\nTo: bounces@test-review.example\r\nSubject: Undeliverable: hello\r\n"
            + $"Message-ID: <{id}@attacker.example>\r\nMIME-Version: 1.0\r\nContent-Type: {contentType}\r\n\r\n" + body + "\r\n";
        var crafted = new[]
        {
            // Exchange's heading, then blank lines and no address: exponential in the number of lines.
            Crafted("exchange", "text/plain", "Delivery has failed to these recipients or groups:\r\n" + string.Concat(Enumerable.Repeat("\r\n", 40)) + "!"),
            // Gmail's heading, then thousands of blank lines: quadratic.
            Crafted("gmail", "text/plain", "Delivery to the following recipient failed permanently:\r\n" + string.Concat(Enumerable.Repeat("\r\n", 20_000)) + "!"),
            // An HTML-only body of unclosed tags, a megabyte of them: quadratic in the whole part.
            Crafted("html", "text/html", new string('<', 1_000_000)),
            // A qmail-style line with an address of nothing but at signs: quadratic.
            Crafted("qmail", "text/plain", "Hi. This is the qmail-send program.\r\n<" + new string('@', 60_000) + "\r\n"),
        };
        foreach (var message in crafted) await app.Dovecot.DeliverAsync("bounces", Encoding.ASCII.GetBytes(message));
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
            BounceFixtures.Raw("postfix-remote-550.eml", token, ("gone@rejecting.example", readers[0].Email)), "after-crafted@mta.example"));

        Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync("after-crafted@mta.example")).Outcome);
        Assert.True(await app.IsSuppressedAsync(readers[0].Email));
        foreach (var id in new[] { "exchange", "gmail", "html", "qmail" })
            Assert.NotEqual(InboundOutcome.Applied, (await app.WaitForInboundAsync($"{id}@attacker.example")).Outcome);
    }
}
