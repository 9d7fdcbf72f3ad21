using MimeKit;
using Newsletter.Email;

namespace Newsletter.Tests.Email;

public sealed class MailHeadersTests
{
    [Fact]
    public void Bulk_mail_gets_one_click_list_unsubscribe_with_https_and_mailto_and_a_list_id()
    {
        var message = new MimeMessage();
        new MailHeaders.ListHeaders(MailHeaders.ListId("The Example Review", "example.org"))
            .AddTo(message, "https://news.example.org/unsubscribe/abc.def", MailHeaders.UnsubscribeMailto("unsubscribe@example.org", "abc.def"));

        Assert.Equal("<https://news.example.org/unsubscribe/abc.def>, <mailto:unsubscribe@example.org?subject=unsubscribe%20abc.def>",
            message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("\"The Example Review\" <the-example-review.example.org>", message.Headers["List-Id"]);
    }

    [Fact]
    public void A_lists_constant_headers_are_the_same_as_when_each_copy_encodes_them()
    {
        var listId = MailHeaders.ListId("Zoë's Café Review", "example.org");
        var https = "https://news.example.org/unsubscribe/abc.def";
        var mailto = MailHeaders.UnsubscribeMailto("unsubscribe@example.org", "abc.def");
        var list = new MailHeaders.ListHeaders(listId);
        using var first = new MimeMessage();
        using var second = new MimeMessage();
        list.AddTo(first, https, mailto);
        list.AddTo(second, https, mailto);
        // MimeKit encoding each header on each copy, as the digests did before the constant ones were cloned.
        using var expected = new MimeMessage();
        expected.Headers.Replace("List-Unsubscribe", $"<{https}>, <mailto:{mailto}>");
        expected.Headers.Replace("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        expected.Headers.Replace("List-Id", listId);

        static IEnumerable<string> ListLines(MimeMessage m) => m.Headers.Where(h => h.Field.StartsWith("List-", StringComparison.Ordinal)).Select(h => h.ToString());
        Assert.Equal(3, ListLines(expected).Count());
        Assert.Equal(ListLines(expected), ListLines(first));
        Assert.Equal(ListLines(expected), ListLines(second));
        Assert.Throws<ArgumentException>(() => list.AddTo(new MimeMessage(), "https://x.example/u\nBcc: a@b.example", mailto));
    }

    [Fact]
    public void A_url_with_a_line_break_never_reaches_the_header()
    {
        var message = new MimeMessage();
        Assert.Throws<ArgumentException>(() => new MailHeaders.ListHeaders("\"List\" <list.x.example>").AddTo(message, "https://x.example/u\r\nBcc: a@b.example", "u@x.example"));
        Assert.Null(message.Headers["List-Unsubscribe"]);
    }
}
