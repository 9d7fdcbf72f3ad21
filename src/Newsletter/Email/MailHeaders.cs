using MimeKit;

namespace Newsletter.Email;

/// <summary>Headers that bulk mail must carry (RFC 2369, RFC 2919, RFC 8058; Gmail and Yahoo's 2024 sender rules).</summary>
public static class MailHeaders
{
    /// <summary>
    /// Adds List-Unsubscribe with an https one-click URL and a mailto, and List-Unsubscribe-Post so that mail
    /// providers unsubscribe the reader with one POST. Both URLs are ours, built from signed tokens: never user text.
    /// </summary>
    public static void AddListUnsubscribe(MimeMessage message, string httpsUrl, string mailto) => AddListUnsubscribe(message, httpsUrl, mailto, oneClick: true);

    private static void AddListUnsubscribe(MimeMessage message, string httpsUrl, string mailto, bool oneClick)
    {
        if (HeaderText.ContainsControlCharacters(httpsUrl) || HeaderText.ContainsControlCharacters(mailto))
            throw new ArgumentException("Unsubscribe URLs must not contain control characters.");
        message.Headers.Replace("List-Unsubscribe", $"<{httpsUrl}>, <mailto:{mailto}>");
        if (oneClick) message.Headers.Replace(OneClickField, OneClickValue);
    }

    /// <summary>RFC 8058's header: a POST of this body to the https URL unsubscribes.</summary>
    private const string OneClickField = "List-Unsubscribe-Post";
    private const string OneClickValue = "List-Unsubscribe=One-Click";

    /// <summary>The mailto: part of List-Unsubscribe: the unsubscribe mailbox with the token as subject.</summary>
    public static string UnsubscribeMailto(string mailbox, string manageToken) =>
        $"{mailbox}?subject=unsubscribe%20{Uri.EscapeDataString(manageToken)}";

    /// <summary>List-Id: a stable name for this list under the sender's domain (RFC 2919).</summary>
    public static void AddListId(MimeMessage message, string listId) => message.Headers.Replace("List-Id", listId);

    /// <summary>
    /// List-Id and List-Unsubscribe-Post for every copy of a list, encoded once: each copy gets clones (which share
    /// the encoded bytes; nothing changes them), not a new encoding of the same text. The same headers as
    /// <see cref="AddListId"/> and <see cref="AddListUnsubscribe"/> add.
    /// </summary>
    public sealed class Constant(string listId)
    {
        private readonly Header _listId = new("List-Id", listId);
        private static readonly Header OneClick = new(OneClickField, OneClickValue);

        /// <summary>List-Unsubscribe for this reader (<see cref="AddListUnsubscribe"/>), then the list's constant headers.</summary>
        public void AddTo(MimeMessage message, string httpsUrl, string mailto)
        {
            AddListUnsubscribe(message, httpsUrl, mailto, oneClick: false);
            message.Headers.Add(OneClick.Clone());
            message.Headers.Add(_listId.Clone());
        }
    }

    /// <summary>List-Id's value: the list's name quoted, and a label made of it under <paramref name="domain"/>.</summary>
    public static string ListId(string listName, string domain)
    {
        var label = new string(listName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return $"{MimeKit.Utils.MimeUtils.Quote(listName)} <{(label.Length == 0 ? "newsletter" : label)}.{domain}>";
    }
}
