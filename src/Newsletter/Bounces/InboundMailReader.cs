using System.Text.RegularExpressions;
using MimeKit;

namespace Newsletter.Bounces;

/// <summary>
/// Tells what an inbound message is, with MimeKit's parser and no database: a delivery report (RFC 3464
/// <c>multipart/report</c> with <c>message/delivery-status</c> or <c>message/global-delivery-status</c>), an ARF
/// complaint (RFC 5965), a mailto unsubscribe, one of the common non-standard bounces (<see cref="NonStandardBounces"/>),
/// an automatic reply (RFC 3834), or nothing we can read. Pure and thread-safe.
/// </summary>
public static partial class InboundMailReader
{
    /// <summary>Reads <paramref name="message"/>; <paramref name="unsubscribeMailbox"/> is <c>Email:UnsubscribeMailbox</c>.</summary>
    public static InboundReport Read(MimeMessage message, string unsubscribeMailbox)
    {
        try
        {
            return ReadWithin(message, unsubscribeMailbox);
        }
        catch (RegexMatchTimeoutException)
        {
            // Crafted (or very odd) text a pattern could not get through in time (NonStandardBounces.MatchTimeout):
            // nothing to act on, and the scanner goes on to the next message.
            return new InboundReport(ReportKind.Unrecognised, "Could not be read in time: " + message.Subject);
        }
    }

    private static InboundReport ReadWithin(MimeMessage message, string unsubscribeMailbox)
    {
        var envelope = EnvelopeRecipients(message).ToList();
        var parts = message.BodyParts.Concat(message.Body is null ? [] : [message.Body]).ToList();

        var status = parts.FirstOrDefault(p => IsType(p, "message/delivery-status") || IsType(p, "message/global-delivery-status"));
        if (status is not null) return DeliveryReport(message, status, envelope);

        var feedback = parts.FirstOrDefault(p => IsType(p, "message/feedback-report"));
        if (feedback is not null) return FeedbackReport(message, feedback, envelope);

        if (Unsubscribe(message, envelope, unsubscribeMailbox) is { } unsubscribe) return unsubscribe;

        if (NonStandardBounces.TryRead(message, envelope) is { } bounce) return bounce;

        if (IsAutoReply(message)) return new InboundReport(ReportKind.AutoReply, "Automatic reply: " + message.Subject);
        return new InboundReport(ReportKind.Unrecognised, "Not a delivery report, complaint or unsubscribe: " + message.Subject);
    }

    private static InboundReport DeliveryReport(MimeMessage message, MimeEntity statusPart, List<string> envelope)
    {
        var groups = ReportFields.Groups(statusPart);
        var perMessage = groups.FirstOrDefault() ?? [];
        var recipients = groups.Skip(1)
            .Where(g => g.ContainsKey("Final-Recipient") || g.ContainsKey("Action"))
            .Select(g => new RecipientStatus(
                ReportFields.Typed(g, "Final-Recipient") ?? ReportFields.Typed(g, "Original-Recipient"),
                ReportFields.Plain(g, "Action")?.ToLowerInvariant() ?? "unknown",
                StatusCode(ReportFields.Plain(g, "Status")),
                ReportFields.Typed(g, "Diagnostic-Code"),
                ReportFields.Typed(g, "Remote-MTA")))
            .ToList();
        // Postfix names the envelope sender in the report; other MTAs leave only the report's own recipient.
        if (ReportFields.Typed(perMessage, "X-Postfix-Sender") is { } postfixSender) envelope.Add(postfixSender);
        var original = OriginalHeaders(message);
        AddOriginalEnvelope(original, envelope);
        var failed = recipients.FirstOrDefault(r => r.IsFailed);
        var kind = failed is not null ? ReportKind.Bounce : ReportKind.Delayed;
        var summary = failed is null
            ? $"Delivery report without a failure ({string.Join(", ", recipients.Select(r => r.Action).Distinct())})"
            : $"{(failed.IsPermanent ? "Hard" : "Soft")} bounce {failed.Status}: {failed.Diagnostic}";
        return new InboundReport(kind, summary)
        {
            Recipients = recipients,
            OriginalMessageId = original?.MessageId,
            EnvelopeCandidates = envelope,
            IsLoop = IsBounce(original),
        };
    }

    private static InboundReport FeedbackReport(MimeMessage message, MimeEntity feedbackPart, List<string> envelope)
    {
        var fields = ReportFields.Groups(feedbackPart).SelectMany(g => g).GroupBy(f => f.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Value, StringComparer.OrdinalIgnoreCase);
        var type = ReportFields.Plain(fields, "Feedback-Type")?.ToLowerInvariant();
        var original = OriginalHeaders(message);
        if (ReportFields.Plain(fields, "Original-Mail-From") is { } mailFrom) envelope.Add(mailFrom.Trim('<', '>'));
        AddOriginalEnvelope(original, envelope);
        var recipient = ReportFields.Plain(fields, "Original-Rcpt-To")?.Trim('<', '>') ?? original?.To.Mailboxes.FirstOrDefault()?.Address;
        var isAbuse = type == "abuse";
        return new InboundReport(isAbuse ? ReportKind.Complaint : ReportKind.Delayed, isAbuse ? "Complaint (ARF abuse report)" : $"Feedback report of type {type ?? "(none)"}: not a complaint")
        {
            Recipients = [new RecipientStatus(recipient, "complained", null, ReportFields.Plain(fields, "User-Agent"), ReportFields.Plain(fields, "Reporting-MTA"))],
            OriginalMessageId = original?.MessageId ?? ReportFields.Plain(fields, "Original-Message-ID")?.Trim('<', '>'),
            EnvelopeCandidates = envelope,
            FeedbackType = type,
            IsLoop = IsBounce(original),
        };
    }

    private static InboundReport? Unsubscribe(MimeMessage message, List<string> envelope, string unsubscribeMailbox)
    {
        var at = unsubscribeMailbox.LastIndexOf('@');
        var local = unsubscribeMailbox[..at];
        var domain = unsubscribeMailbox[(at + 1)..];
        string? addressToken = null;
        var toUs = false;
        foreach (var address in envelope)
        {
            var a = address.LastIndexOf('@');
            if (a <= 0 || !address[(a + 1)..].Equals(domain, StringComparison.OrdinalIgnoreCase)) continue;
            var user = address[..a];
            if (user.Equals(local, StringComparison.OrdinalIgnoreCase)) toUs = true;
            else if (user.StartsWith(local + "+", StringComparison.OrdinalIgnoreCase)) { toUs = true; addressToken ??= user[(local.Length + 1)..]; }
        }
        var subject = UnsubscribeSubject().Match(message.Subject ?? string.Empty);
        if (!toUs && !subject.Success) return null;
        var token = subject.Success ? subject.Groups["token"].Value : addressToken;
        return new InboundReport(ReportKind.Unsubscribe, token is null ? "Unsubscribe request without a token" : "Unsubscribe request (mailto)")
        {
            UnsubscribeToken = token,
            EnvelopeCandidates = envelope,
        };
    }

    /// <summary>RFC 3834 and the usual vacation markers.</summary>
    public static bool IsAutoReply(MimeMessage message)
    {
        var autoSubmitted = message.Headers["Auto-Submitted"];
        if (autoSubmitted is not null && !autoSubmitted.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase)) return true;
        if (message.Headers.Contains("X-Autoreply") || message.Headers.Contains("X-Autorespond")) return true;
        var precedence = message.Headers["Precedence"]?.Trim().ToLowerInvariant();
        if (precedence is "auto_reply") return true;
        return AutoReplySubject().IsMatch(message.Subject ?? string.Empty);
    }

    /// <summary>The headers of the returned message (<c>message/rfc822</c> or <c>text/rfc822-headers</c>), if the report has them.</summary>
    public static MimeMessage? OriginalHeaders(MimeMessage report)
    {
        foreach (var part in report.BodyParts)
        {
            if (part is MessagePart { Message: { } inner }) return inner;
            if (IsType(part, "text/rfc822-headers") && ReportFields.Text(part) is { } text)
            {
                try
                {
                    return MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text.TrimEnd() + "\r\n\r\n")));
                }
                catch (FormatException)
                {
                    return null;
                }
            }
        }
        return null;
    }

    /// <summary>A message that is itself a bounce: sent with the null sender, from a mailer daemon, or a report.</summary>
    public static bool IsBounce(MimeMessage? message)
    {
        if (message is null) return false;
        if (message.Headers["Return-Path"]?.Trim() == "<>") return true;
        if (message.Body is MultipartReport) return true;
        if (message.Headers[HeaderId.ContentType]?.Contains("multipart/report", StringComparison.OrdinalIgnoreCase) == true) return true;
        return message.From.Mailboxes.Any(m => m.LocalPart.Equals("mailer-daemon", StringComparison.OrdinalIgnoreCase));
    }

    internal static void AddOriginalEnvelope(MimeMessage? original, List<string> envelope)
    {
        if (original?.Headers["Return-Path"] is { } returnPath && returnPath.Trim().Trim('<', '>') is { Length: > 0 } path) envelope.Add(path);
    }

    /// <summary>Where the report was delivered: the VERP address, when the receiving server kept it.</summary>
    private static IEnumerable<string> EnvelopeRecipients(MimeMessage message)
    {
        foreach (var name in new[] { "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To" })
            foreach (var header in message.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)))
                yield return header.Value.Trim().Trim('<', '>');
        foreach (var mailbox in message.To.Mailboxes.Concat(message.Cc.Mailboxes)) yield return mailbox.Address;
    }

    private static string? StatusCode(string? value)
    {
        if (value is null) return null;
        var match = Status().Match(value);
        return match.Success ? match.Value : null;
    }

    internal static bool IsType(MimeEntity part, string mimeType) => part.ContentType.MimeType.Equals(mimeType, StringComparison.OrdinalIgnoreCase);

    // Not inside a longer dotted number (an IP address such as 192.0.2.10 holds "2.0.2").
    [GeneratedRegex(@"(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])", RegexOptions.None, NonStandardBounces.MatchTimeout)]
    internal static partial Regex Status();

    [GeneratedRegex(@"^\s*(?:re:\s*)?unsubscribe\s+(?<token>[A-Za-z0-9_\-\.%]{10,200})\s*$", RegexOptions.IgnoreCase, NonStandardBounces.MatchTimeout)]
    private static partial Regex UnsubscribeSubject();

    [GeneratedRegex(@"^\s*(auto:|automatic reply|auto[- ]?reply|autoreply|out of (the )?office|vacation|abwesenheit|réponse automatique|respuesta automática)", RegexOptions.IgnoreCase, NonStandardBounces.MatchTimeout)]
    private static partial Regex AutoReplySubject();
}
