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
        if (HeaderText.ContainsControlCharacters(subject)) throw new ArgumentException("The subject contains control characters.", nameof(subject));
        if (toName is not null && HeaderText.ContainsControlCharacters(toName)) throw new ArgumentException("The name contains control characters.", nameof(toName));
        var email = options.Value;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(email.FromName ?? string.Empty, email.FromAddress));
        message.To.Add(new MailboxAddress(toName ?? string.Empty, toAddress));
        message.Subject = subject;
        message.Date = clock.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(SenderDomain);
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }
}
