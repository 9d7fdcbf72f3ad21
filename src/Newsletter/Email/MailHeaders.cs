using MimeKit;

namespace Newsletter.Email;

/// <summary>Headers that bulk mail must carry (RFC 2369, RFC 2919, RFC 8058; Gmail and Yahoo's 2024 sender rules).</summary>
public static class MailHeaders
{
    /// <summary>The mailto: part of List-Unsubscribe: the unsubscribe mailbox with the token as subject.</summary>
    public static string UnsubscribeMailto(string mailbox, string manageToken) =>
        $"{mailbox}?subject=unsubscribe%20{Uri.EscapeDataString(manageToken)}";

    /// <summary>
    /// The bulk-mail headers of one list. List-Id (RFC 2919) and List-Unsubscribe-Post (RFC 8058) are the same on every
    /// copy, so they are encoded once and each copy gets clones (which share the encoded bytes; nothing changes them).
    /// </summary>
    public sealed class ListHeaders(string listId)
    {
        private readonly Header _listId = new("List-Id", listId);
        private static readonly Header OneClick = new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        /// <summary>
        /// Adds List-Unsubscribe with an https one-click URL and a mailto, List-Unsubscribe-Post so that mail providers
        /// unsubscribe the reader with one POST, and List-Id. Both URLs are ours, built from signed tokens: never user text.
        /// </summary>
        public void AddTo(MimeMessage message, string httpsUrl, string mailto)
        {
            if (HeaderText.ContainsControlCharacters(httpsUrl) || HeaderText.ContainsControlCharacters(mailto))
                throw new ArgumentException("Unsubscribe URLs must not contain control characters.");
            message.Headers.Replace("List-Unsubscribe", $"<{httpsUrl}>, <mailto:{mailto}>");
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
