using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace Newsletter.Email;

/// <summary>Starts every outgoing message the same way: From, To, Subject, Date, a Message-ID on our domain, both parts.</summary>
public sealed class MessageFactory(IOptions<EmailOptions> options, TimeProvider clock)
{
    public string SenderDomain => options.Value.FromAddress[(options.Value.FromAddress.LastIndexOf('@') + 1)..];

    /// <summary>Where List-Unsubscribe's mailto points.</summary>
    public string UnsubscribeMailbox => options.Value.UnsubscribeMailbox ?? "unsubscribe@" + SenderDomain;

    /// <summary>
    /// Builds a multipart/alternative message. <paramref name="toName"/> and <paramref name="subject"/> are checked
    /// for control characters here too, so header injection is refused even if an edge check was missed.
    /// </summary>
    public MimeMessage Create(string toAddress, string? toName, string subject, string html, string text)
    {
        var message = CreateHeaders(toAddress, toName, subject, NewMessageId());
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// From, To, Subject, Date and the given Message-ID (without angle brackets); the caller sets the body. Digests use
    /// it (their Message-ID names the delivery, and their body is ready-made bytes), so a copy costs no throw-away parts:
    /// MimeMessage's parameterless constructor would make a Message-ID from the host name (an IDN conversion per call)
    /// and a local Date, both replaced at once, which profiling showed at 4% of a send's CPU.
    /// </summary>
    public MimeMessage CreateHeaders(string toAddress, string? toName, string subject, string messageId)
    {
        if (HeaderText.ContainsControlCharacters(subject)) throw new ArgumentException("The subject contains control characters.", nameof(subject));
        if (toName is not null && HeaderText.ContainsControlCharacters(toName)) throw new ArgumentException("The name contains control characters.", nameof(toName));
        var ascii = System.Text.Ascii.IsValid(messageId);
        // From and the Subject are the same on every copy of an issue: encoded once, then cloned (a clone shares the
        // encoded bytes, which nothing changes). MimeKit encodes a header's text on every set (RFC 2047 words, folding).
        // MIME-Version too: MailKit sets it on every message it sends, unless the message already says 1.0.
        var message = new MimeMessage(new Header(HeaderId.MessageId, $"<{(ascii ? messageId : NewMessageId())}>"), new Header(HeaderId.Date, DateNow()),
            FromHeader.Clone(), SubjectHeader(subject).Clone(), MimeVersionHeader.Clone());
        // An internationalised domain: MimeKit's setter writes it in ASCII (punycode).
        if (!ascii) message.MessageId = messageId;
        message.To.Add(new MailboxAddress(toName ?? string.Empty, toAddress));
        return message;
    }

    /// <summary>The From header as MimeKit writes it for our sender (the settings are read once, at start-up).</summary>
    private Header FromHeader => _from ??= Encoded(m => m.From.Add(new MailboxAddress(options.Value.FromName ?? string.Empty, options.Value.FromAddress)), HeaderId.From);
    private Header? _from;

    private static readonly Header MimeVersionHeader = Encoded(m => m.MimeVersion = new Version(1, 0), HeaderId.MimeVersion);

    /// <summary>The last subject's header: a send builds every copy of an issue with the same one.</summary>
    private Header SubjectHeader(string subject)
    {
        var last = _subject;
        if (last is not null && string.Equals(last.Text, subject, StringComparison.Ordinal)) return last.Header;
        last = new EncodedSubject(subject, Encoded(m => m.Subject = subject, HeaderId.Subject));
        _subject = last;
        return last.Header;
    }

    private sealed record EncodedSubject(string Text, Header Header);

    private EncodedSubject? _subject;

    /// <summary>A header exactly as MimeKit's own setter encodes it on a message (never changed after: only clones are used).</summary>
    private static Header Encoded(Action<MimeMessage> set, HeaderId id)
    {
        using var message = new MimeMessage();
        set(message);
        return message.Headers[message.Headers.IndexOf(id)];
    }

    /// <summary>The Date header's text, formatted once per second (to the second is all RFC 5322 dates say).</summary>
    private string DateNow()
    {
        var now = clock.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        var last = _lastDate;
        if (last is not null && last.Second == second) return last.Text;
        var text = DateUtils.FormatDate(now);
        _lastDate = new FormattedDate(second, text);
        return text;
    }

    private sealed record FormattedDate(long Second, string Text);

    private FormattedDate? _lastDate;

    /// <summary>A random Message-ID on our domain (MimeKit's own converts the domain to ASCII on every call, which profiling showed).</summary>
    public string NewMessageId() => $"{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))}@{AsciiDomain}";

    private string AsciiDomain => _asciiDomain ??= MailboxAddress.EncodeAddrspec("x@" + SenderDomain)[2..];
    private string? _asciiDomain;
}
