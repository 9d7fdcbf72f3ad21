using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Newsletter.Bounces;

/// <summary>
/// Heuristics for bounces that are not RFC 3464 reports, the shapes listmonk's <c>internal/bounce</c> also meets:
/// qmail ("Hi. This is the qmail-send program"), Gmail's plain "Delivery Status Notification", Exchange's
/// "Delivery has failed to these recipients or groups", and a generic mailer-daemon message. Each needs a
/// bounce-like sender or subject first, so an ordinary letter that mentions "550" is never read as a bounce.
/// </summary>
public static partial class NonStandardBounces
{
    /// <summary>The body text examined: bounces put what matters first; the rest is the returned message.</summary>
    private const int MaxText = 64 * 1024;

    /// <summary>
    /// Anyone can mail the bounce mailbox, so no pattern may run for long on what they send: each is written to match in
    /// linear time, and this bound (far above the microseconds a real bounce takes) turns any miss into an unreadable
    /// message instead of a scanner stuck on it for good.
    /// </summary>
    internal const int MatchTimeout = 1000;

    public static InboundReport? TryRead(MimeMessage message, List<string> envelope)
    {
        if (!LooksLikeBounce(message)) return null;
        var text = BodyText(message);
        if (text.Length == 0) return null;

        var (shape, recipient, diagnostic, originalStart) = Shape(text);
        var status = InboundMailReader.Status().Match(diagnostic ?? text) is { Success: true } m ? m.Value : null;
        var delayed = Delayed().IsMatch(text[..Math.Min(text.Length, 4096)]) && !Permanent().IsMatch(text[..Math.Min(text.Length, 4096)]);
        if (status is null)
        {
            var reply = SmtpReply().Match(diagnostic ?? text);
            if (reply.Success) status = reply.Groups[1].Value[0] + ".0.0";
            else if (!delayed && Permanent().IsMatch(text)) status = "5.0.0";
        }
        recipient ??= FirstAddress(text, envelope);
        if (recipient is null && status is null) return null;

        var original = InboundMailReader.OriginalHeaders(message) ?? (originalStart >= 0 ? HeadersFrom(text[originalStart..]) : null);
        InboundMailReader.AddOriginalEnvelope(original, envelope);
        var action = delayed ? "delayed" : "failed";
        var result = new RecipientStatus(recipient, action, status ?? (delayed ? "4.0.0" : "5.0.0"), diagnostic?.Trim(), null);
        return new InboundReport(delayed ? ReportKind.Delayed : ReportKind.Bounce,
            delayed ? $"{shape} delay warning" : $"{shape}: {(result.IsPermanent ? "hard" : "soft")} bounce {result.Status}")
        {
            Recipients = [result],
            OriginalMessageId = original?.MessageId ?? QuotedMessageId(text),
            EnvelopeCandidates = envelope,
            IsLoop = InboundMailReader.IsBounce(original),
        };
    }

    private static string? QuotedMessageId(string text) => OriginalMessageId().Match(text) is { Success: true } id ? id.Groups[1].Value : null;

    private static bool LooksLikeBounce(MimeMessage message)
    {
        if (message.Headers["Return-Path"]?.Trim() == "<>") return true;
        if (message.From.Mailboxes.Any(m => DaemonSender().IsMatch(m.LocalPart))) return true;
        return BounceSubject().IsMatch(message.Subject ?? string.Empty);
    }

    /// <summary>Which shape, the failed recipient, the diagnostic, and where the returned message starts in the text (-1: not found).</summary>
    private static (string Shape, string? Recipient, string? Diagnostic, int OriginalStart) Shape(string text)
    {
        var qmail = QmailRecipient().Match(text);
        if (text.Contains("This is the qmail-send program", StringComparison.OrdinalIgnoreCase) && qmail.Success)
            return ("qmail", qmail.Groups["address"].Value, qmail.Groups["diagnostic"].Value, After(text, "--- Below this line is a copy of the message."));

        var gmail = GmailRecipient().Match(text);
        if (gmail.Success)
        {
            var details = GmailDetails().Match(text);
            return ("Gmail", gmail.Groups["address"].Value, details.Success ? details.Groups["diagnostic"].Value : null, After(text, "----- Original message -----"));
        }

        var exchange = ExchangeRecipient().Match(text);
        if (exchange.Success)
        {
            var remote = ExchangeDiagnostic().Match(text);
            return ("Exchange", exchange.Groups["address"].Value, remote.Success ? remote.Groups["diagnostic"].Value : null, After(text, "Original message headers:"));
        }

        var generic = GenericDiagnostic().Match(text);
        return ("Non-standard bounce", null, generic.Success ? generic.Value : null, -1);
    }

    private static int After(string text, string marker)
    {
        var index = text.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        return index < 0 ? -1 : index + marker.Length;
    }

    private static MimeMessage? HeadersFrom(string text)
    {
        var block = text.TrimStart('\r', '\n', ' ');
        var end = block.IndexOf("\n\n", StringComparison.Ordinal);
        var crlfEnd = block.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (crlfEnd >= 0 && (end < 0 || crlfEnd < end)) end = crlfEnd;
        var headers = end >= 0 ? block[..end] : block;
        // Quoted headers are often indented; a header block must start at the line start.
        headers = string.Join("\r\n", headers.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimStart()));
        try
        {
            var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(headers + "\r\n\r\n")));
            return message.Headers.Count == 0 ? null : message;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? FirstAddress(string text, List<string> envelope)
    {
        foreach (Match match in Address().Matches(text[..Math.Min(text.Length, 4096)]))
        {
            var address = match.Value.Trim('<', '>', '.', ',');
            if (envelope.Contains(address, StringComparer.OrdinalIgnoreCase)) continue;
            if (DaemonSender().IsMatch(address[..address.IndexOf('@')])) continue;
            return address;
        }
        return null;
    }

    private static string BodyText(MimeMessage message)
    {
        var text = message.TextBody;
        // Cut before the tags are stripped: the HTML part may be any size.
        if (string.IsNullOrEmpty(text) && message.HtmlBody is { } html)
            text = Tags().Replace(html.Length > 4 * MaxText ? html[..(4 * MaxText)] : html, " ");
        text ??= string.Empty;
        return text.Length > MaxText ? text[..MaxText] : text;
    }

    [GeneratedRegex(@"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon)$", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex DaemonSender();

    [GeneratedRegex(@"undeliver|delivery (status notification|failure|has failed|failed)|returned mail|mail delivery (failed|failure|subsystem)|failure notice|non-?delivery|could not be delivered|rejected:", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex BounceSubject();

    [GeneratedRegex(@"^<(?<address>[^>\s@]+@[^>\s]+)>:\s*\r?\n(?<diagnostic>(?:.+\r?\n?){1,8})", RegexOptions.Multiline, MatchTimeout)]
    private static partial Regex QmailRecipient();

    [GeneratedRegex(@"Delivery to the following recipients? (?:failed permanently|failed|has been delayed)[^\n]*\n\s*(?<address>[^\s@]+@[^\s]+)", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex GmailRecipient();

    [GeneratedRegex(@"Technical details of (?:permanent|temporary) failure:\s*\n(?<diagnostic>(?:(?!-----).*\n?){1,10})", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex GmailDetails();

    [GeneratedRegex(@"Delivery has failed to these recipients or groups:[^\S\n]*\n\s*(?:[^\n]*?\()?(?:mailto:)?(?<address>[^\s()<>@]+@[^\s()<>]+)", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex ExchangeRecipient();

    [GeneratedRegex(@"(?:Remote Server returned '|#)(?<diagnostic>[45]\d\d[ -][^'#\n]+)", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex ExchangeDiagnostic();

    [GeneratedRegex(@"\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}[^\n]*", RegexOptions.None, MatchTimeout)]
    private static partial Regex GenericDiagnostic();

    [GeneratedRegex(@"\b([45])\d\d[ -]", RegexOptions.None, MatchTimeout)]
    private static partial Regex SmtpReply();

    [GeneratedRegex(@"delayed|still trying|will (?:retry|be retried|keep trying)|has not yet been delivered|temporar", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex Delayed();

    [GeneratedRegex(@"failed permanently|permanent (?:failure|error)|not going to try again|does not exist|no such (?:user|mailbox)|user unknown|unknown user|mailbox unavailable", RegexOptions.IgnoreCase, MatchTimeout)]
    private static partial Regex Permanent();

    [GeneratedRegex(@"^\s*Message-ID:\s*<([^>\s]+)>", RegexOptions.IgnoreCase | RegexOptions.Multiline, MatchTimeout)]
    private static partial Regex OriginalMessageId();

    [GeneratedRegex(@"<?[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}>?", RegexOptions.None, MatchTimeout)]
    private static partial Regex Address();

    [GeneratedRegex(@"<[^<>]+>", RegexOptions.None, MatchTimeout)]
    private static partial Regex Tags();
}
