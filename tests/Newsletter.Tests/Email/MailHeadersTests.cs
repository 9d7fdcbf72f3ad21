using MimeKit;
using Newsletter.Email;

namespace Newsletter.Tests.Email;

public sealed class MailHeadersTests
{
    [Fact]
    public void Bulk_mail_gets_one_click_list_unsubscribe_with_https_and_mailto_and_a_list_id()
    {
        var message = new MimeMessage();
        MailHeaders.AddListUnsubscribe(message, "https://news.example.org/unsubscribe/abc.def",
            MailHeaders.UnsubscribeMailto("unsubscribe@example.org", "abc.def"));
        MailHeaders.AddListId(message, MailHeaders.ListId("The Example Review", "example.org"));

        Assert.Equal("<https://news.example.org/unsubscribe/abc.def>, <mailto:unsubscribe@example.org?subject=unsubscribe%20abc.def>",
            message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("\"The Example Review\" <the-example-review.example.org>", message.Headers["List-Id"]);
    }

    [Fact]
    public void A_url_with_a_line_break_never_reaches_the_header()
    {
        var message = new MimeMessage();
        Assert.Throws<ArgumentException>(() => MailHeaders.AddListUnsubscribe(message, "https://x.example/u\r\nBcc: a@b.example", "u@x.example"));
        Assert.Null(message.Headers["List-Unsubscribe"]);
    }
}
