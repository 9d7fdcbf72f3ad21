using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Email;

namespace Newsletter.Tests.Email;

/// <summary>
/// A copy's From and Subject are encoded once per sender and subject and cloned: what a reader's mail program gets must
/// be exactly what MimeKit's own setters write, and a new subject must never carry an old one.
/// </summary>
public sealed class MessageFactoryTests
{
    [Theory]
    [InlineData("The Example Review", "Today in culture: five new reviews", "Reader Seven")]
    [InlineData("Zoë's Café Review", "Über Bücher — und mehr: eine sehr lange Betreffzeile, die gefaltet werden muss, weil sie lang ist", "Émilie Dupont, \"the critic\"")]
    public void A_copys_headers_are_exactly_what_MimeKit_writes_for_the_same_values(string fromName, string subject, string readerName)
    {
        var factory = Factory(fromName);

        using var copy = factory.CreateHeaders("reader7@example.org", readerName, subject, "issue1.delivery7@example.org");

        using var expected = new MimeMessage(new Header(HeaderId.MessageId, "<issue1.delivery7@example.org>"), new Header(HeaderId.Date, copy.Headers[HeaderId.Date]!));
        expected.From.Add(new MailboxAddress(fromName, "news@example.org"));
        expected.Subject = subject;
        expected.MimeVersion = new Version(1, 0);
        expected.To.Add(new MailboxAddress(readerName, "reader7@example.org"));
        Assert.Equal(HeaderBytes(expected), HeaderBytes(copy));
        Assert.Equal(new Version(1, 0), copy.MimeVersion);
        // MailKit prepares every message it sends (MimeKit sets MIME-Version there): still one MIME-Version header.
        copy.Body = new TextPart("plain") { Text = "Hello" };
        copy.Prepare(EncodingConstraint.EightBit);
        Assert.Single(copy.Headers, h => h.Id == HeaderId.MimeVersion);
        Assert.Equal(subject, copy.Subject);
        Assert.Equal(fromName, copy.From.Mailboxes.Single().Name);
        Assert.Equal(readerName, copy.To.Mailboxes.Single().Name);
    }

    [Fact]
    public void Each_copy_gets_its_own_subject_when_the_subject_changes()
    {
        var factory = Factory("The Example Review");

        using var first = factory.CreateHeaders("a@example.org", null, "Monday's digest", "m1@example.org");
        using var second = factory.CreateHeaders("b@example.org", null, "[Test] Tuesday's digest", "m2@example.org");
        using var third = factory.CreateHeaders("c@example.org", null, "Monday's digest", "m3@example.org");

        Assert.Equal("Monday's digest", first.Subject);
        Assert.Equal("[Test] Tuesday's digest", second.Subject);
        Assert.Equal("Monday's digest", third.Subject);
        // One Subject header per copy: a second (or an empty one) would let mail programs show either.
        Assert.All(new[] { first, second, third }, m => Assert.Single(m.Headers, h => h.Id == HeaderId.Subject));
        Assert.All(new[] { first, second, third }, m => Assert.Single(m.Headers, h => h.Id == HeaderId.From));
        // A change to one copy's header never reaches the next copy.
        first.Subject = "changed";
        using var fourth = factory.CreateHeaders("d@example.org", null, "Monday's digest", "m4@example.org");
        Assert.Equal("Monday's digest", fourth.Subject);
    }

    private static MessageFactory Factory(string fromName) =>
        new(Options.Create(new EmailOptions { FromAddress = "news@example.org", FromName = fromName }), TimeProvider.System);

    private static string HeaderBytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.Headers.WriteTo(FormatOptions.Default, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
