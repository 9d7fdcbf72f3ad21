using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Digests;

/// <summary>
/// Builds one reader's copy from a <see cref="RenderedDigest"/>: fills the per-reader fields and adds the bulk-mail
/// headers (List-Unsubscribe https + mailto, List-Unsubscribe-Post, List-Id) on top of MessageFactory's From, To,
/// Subject and Date; the Message-ID names the delivery and the multipart/alternative body is the issue's ready-made
/// bytes. Pure and thread-safe. (DKIM is the send layer's: every message is signed there.)
/// </summary>
public sealed class DigestMessageBuilder(MessageFactory messages, SiteLinks links, IOptions<SiteOptions> site, Bounces.BounceAddresses bounces)
{
    /// <summary>The message for <paramref name="recipient"/>; <paramref name="subjectPrefix"/> marks test copies.</summary>
    public MimeMessage Build(RenderedDigest digest, DigestRecipient recipient, string? subjectPrefix = null)
    {
        if (digest.IsEmpty) throw new InvalidOperationException("An empty digest is never sent.");
        var token = links.ManageToken(recipient.PublicId);
        var preferences = links.Absolute("preferences/" + token);
        var unsubscribe = links.Absolute("unsubscribe/" + token);
        // A real delivery's Message-ID names it (signed), so a bounce that quotes only the headers still finds it.
        var messageId = recipient.DeliveryId > 0 ? bounces.MessageId(Bounces.SentMessage.Delivery(digest.IssueId, recipient.DeliveryId)) : messages.NewMessageId();
        var message = messages.CreateHeaders(recipient.Email, recipient.Name, subjectPrefix + digest.Subject, messageId);
        // The body goes out as its UTF-8 bytes (8bit; lines were wrapped once per issue), made in one piece: no per-copy
        // transfer encoding. A server without 8BITMIME still gets 7bit: the parts are re-encoded for it before sending.
        message.Body = digest.Wire!.Fill(Values(digest, recipient, preferences, unsubscribe));
        _listHeaders.AddTo(message, unsubscribe, MailHeaders.UnsubscribeMailto(messages.UnsubscribeMailbox, token));
        return message;
    }

    /// <summary>The same for every copy (site name and sender domain are fixed at start-up): made once.</summary>
    private readonly MailHeaders.ListHeaders _listHeaders = new(MailHeaders.ListId(site.Value.Name, messages.SenderDomain));

    /// <summary>The web version's HTML (the archive): the same body with no personal data in it.</summary>
    public string WebVersion(RenderedDigest digest)
    {
        var subscribe = HtmlEncoder.Default.Encode(links.Absolute("subscribe"));
        return digest.Html!.Fill([digest.Hello, "", digest.YourAddress, subscribe, subscribe]);
    }

    /// <summary>The text part's values by <see cref="Slot"/>, then the HTML part's (encoded) from <see cref="ReadyMadeAlternative.HtmlSlots"/>.</summary>
    private static string[] Values(RenderedDigest digest, DigestRecipient recipient, string preferences, string unsubscribe)
    {
        var name = string.IsNullOrWhiteSpace(recipient.Name) ? null : recipient.Name.Trim();
        var values = new string[ReadyMadeAlternative.HtmlSlots * 2];
        values[(int)Slot.Greeting] = name is null ? digest.Hello : string.Format(System.Globalization.CultureInfo.InvariantCulture, digest.HelloName, name);
        values[(int)Slot.Name] = name ?? "";
        values[(int)Slot.Email] = recipient.Email;
        values[(int)Slot.PreferencesUrl] = preferences;
        values[(int)Slot.UnsubscribeUrl] = unsubscribe;
        for (var i = 0; i < ReadyMadeAlternative.HtmlSlots; i++) values[ReadyMadeAlternative.HtmlSlots + i] = HtmlEncoder.Default.Encode(values[i]);
        return values;
    }
}
