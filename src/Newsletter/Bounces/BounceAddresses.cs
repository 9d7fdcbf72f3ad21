using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Bounces;

/// <summary>
/// Makes and reads the signed token that names a sent message: <c>d{issue}-{delivery}-{mac}</c> for a digest delivery,
/// <c>o{email}-{mac}</c> for an outbox row, the MAC being 80 bits of HMAC-SHA256 under the project's signing key in
/// lower-case base32. Lower case because mail servers may change the case of an address's local part; digits and
/// dashes because they survive every MTA. The token goes into the VERP envelope sender <c>bounces+{token}@domain</c>
/// and, always, into the Message-ID <c>&lt;{token}@sender-domain&gt;</c>, the fallback when a bounce lost the envelope.
/// </summary>
public sealed partial class BounceAddresses(SigningKey key, IOptions<BounceOptions> options, IOptions<EmailOptions> email)
{
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
    private const int MacBytes = 10;

    /// <summary>The signed token for <paramref name="message"/>.</summary>
    public string Token(SentMessage message)
    {
        var body = message.Kind == SentMessageKind.Delivery
            ? string.Create(CultureInfo.InvariantCulture, $"d{message.IssueId}-{message.Id}")
            : string.Create(CultureInfo.InvariantCulture, $"o{message.Id}");
        return body + "-" + Mac(body);
    }

    /// <summary>Reads a token: <see cref="TokenCheck.Valid"/>, <see cref="TokenCheck.Forged"/> (our shape, wrong MAC) or <see cref="TokenCheck.NotOurs"/>.</summary>
    public TokenCheck Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64) return TokenCheck.NotOurs;
        var match = TokenShape().Match(token.ToLowerInvariant());
        if (!match.Success) return TokenCheck.NotOurs;
        var body = match.Groups["body"].Value;
        var expected = Encoding.ASCII.GetBytes(Mac(body));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(match.Groups["mac"].Value))) return TokenCheck.Forged;
        if (!TryParse(match, out var sent)) return TokenCheck.Forged;
        return TokenCheck.ValidFor(sent);
    }

    /// <summary>The VERP envelope sender, or null when <c>Bounces:Address</c> is not set.</summary>
    public MailboxAddress? EnvelopeSender(SentMessage message)
    {
        var address = options.Value.Address;
        if (string.IsNullOrWhiteSpace(address)) return null;
        var at = address.LastIndexOf('@');
        return new MailboxAddress(string.Empty, $"{address[..at]}+{Token(message)}{address[at..]}");
    }

    /// <summary>The deterministic Message-ID (without angle brackets): the same message sent again keeps its id.</summary>
    public string MessageId(SentMessage message) => $"{Token(message)}@{SenderDomain}";

    /// <summary>
    /// Gives an outgoing message its signed Message-ID, and returns its envelope sender (MAIL FROM) when VERP is on, for
    /// the send layer: <c>session.SendAsync(message, bounces.Stamp(message, sent), ...)</c>.
    /// </summary>
    public MailboxAddress? Stamp(MimeMessage message, SentMessage sent)
    {
        message.MessageId = MessageId(sent);
        return EnvelopeSender(sent);
    }

    /// <summary>Reads a bounce address (<c>bounces+token@domain</c>, any case); <see cref="TokenCheck.NotOurs"/> for any other address.</summary>
    public TokenCheck ReadAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) return TokenCheck.NotOurs;
        var value = address.Trim().Trim('<', '>');
        var at = value.LastIndexOf('@');
        var plus = value.IndexOf('+');
        if (at <= 0 || plus <= 0 || plus > at) return TokenCheck.NotOurs;
        // Only addresses under one of our domains: the bounce address's, or the sender's (VERP off, bounces to From).
        var domain = value[(at + 1)..];
        if (!OurDomains.Contains(domain, StringComparer.OrdinalIgnoreCase)) return TokenCheck.NotOurs;
        return Read(value[(plus + 1)..at]);
    }

    /// <summary>Reads a Message-ID we made (<c>&lt;token@sender-domain&gt;</c>); other ids are <see cref="TokenCheck.NotOurs"/>.</summary>
    public TokenCheck ReadMessageId(string? messageId)
    {
        if (string.IsNullOrWhiteSpace(messageId)) return TokenCheck.NotOurs;
        var value = messageId.Trim().Trim('<', '>');
        var at = value.LastIndexOf('@');
        if (at <= 0 || !OurDomains.Contains(value[(at + 1)..], StringComparer.OrdinalIgnoreCase)) return TokenCheck.NotOurs;
        return Read(value[..at]);
    }

    private string SenderDomain => email.Value.FromAddress[(email.Value.FromAddress.LastIndexOf('@') + 1)..];

    private IEnumerable<string> OurDomains
    {
        get
        {
            yield return SenderDomain;
            var address = options.Value.Address;
            if (!string.IsNullOrWhiteSpace(address)) yield return address[(address.LastIndexOf('@') + 1)..];
        }
    }

    private string Mac(string body)
    {
        Span<byte> mac = stackalloc byte[32];
        key.Mac(Encoding.ASCII.GetBytes("bounce-token:" + body), mac);
        // 10 bytes = 80 bits = exactly 16 base32 characters.
        var text = new StringBuilder(16);
        ulong buffer = 0;
        var bits = 0;
        foreach (var b in mac[..MacBytes])
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Base32[(int)((buffer >> bits) & 31)]);
            }
        }
        return text.ToString();
    }

    private static bool TryParse(Match match, out SentMessage sent)
    {
        sent = default;
        if (match.Groups["outbox"].Success)
        {
            if (!long.TryParse(match.Groups["outbox"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return false;
            sent = SentMessage.Outbox(id);
            return true;
        }
        if (!long.TryParse(match.Groups["issue"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var issue)
            || !long.TryParse(match.Groups["delivery"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var delivery)) return false;
        sent = SentMessage.Delivery(issue, delivery);
        return true;
    }

    [GeneratedRegex(@"^(?<body>d(?<issue>\d{1,18})-(?<delivery>\d{1,18})|o(?<outbox>\d{1,18}))-(?<mac>[a-z2-7]{16})$")]
    private static partial Regex TokenShape();
}

/// <summary>The outcome of reading a bounce token.</summary>
public readonly record struct TokenCheck(TokenStatus Status, SentMessage Message)
{
    public static TokenCheck NotOurs => new(TokenStatus.NotOurs, default);
    public static TokenCheck Forged => new(TokenStatus.Forged, default);
    public static TokenCheck ValidFor(SentMessage message) => new(TokenStatus.Valid, message);
    public bool IsValid => Status == TokenStatus.Valid;
}

public enum TokenStatus
{
    NotOurs,
    Forged,
    Valid,
}
