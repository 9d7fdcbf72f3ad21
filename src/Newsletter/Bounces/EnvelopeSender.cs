using MimeKit;

namespace Newsletter.Bounces;

/// <summary>
/// Carries a message's envelope sender (SMTP MAIL FROM) from where the message is built to the transport, which
/// takes the header off and uses the address in MAIL FROM. The header never reaches a mail server.
/// </summary>
public static class EnvelopeSender
{
    public const string HeaderName = "X-Newsletter-Envelope-From";

    public static void Set(MimeMessage message, MailboxAddress sender) => message.Headers.Replace(HeaderName, sender.Address);

    /// <summary>Removes the carrier header and returns its address, or null when the message has none (the From address is used).</summary>
    public static MailboxAddress? Take(MimeMessage message)
    {
        var value = message.Headers[HeaderName];
        if (value is null) return null;
        message.Headers.RemoveAll(HeaderName);
        return MailboxAddress.TryParse(value.Trim(), out var sender) ? sender : null;
    }

    /// <summary>Every recipient of the message, as MailKit would collect them itself (To, Cc, Bcc).</summary>
    public static IEnumerable<MailboxAddress> Recipients(MimeMessage message) =>
        message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes);
}
