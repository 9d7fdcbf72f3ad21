namespace Newsletter.Bounces;

/// <summary>
/// Turns a read report into a notice for the policy: which message it is about, from the signed token in the VERP
/// address it was delivered to, in the returned message's Return-Path, or in the returned Message-ID. A mailbox
/// report with no valid token is not acted on: anybody can send mail to the bounce mailbox, only we can sign.
/// </summary>
public sealed class BounceMatcher(BounceAddresses addresses)
{
    public BounceNotice Match(InboundReport report, string key, BounceSource source)
    {
        switch (report.Kind)
        {
            case ReportKind.Unrecognised:
                return BounceNotice.Recorded(key, source, InboundOutcome.Unreadable, report.Summary);
            case ReportKind.AutoReply or ReportKind.Delayed:
                return BounceNotice.Recorded(key, source, InboundOutcome.Ignored, report.Summary);
            case ReportKind.Unsubscribe:
                return report.UnsubscribeToken is null
                    ? BounceNotice.Recorded(key, source, InboundOutcome.Unreadable, report.Summary)
                    : new BounceNotice(key, source, NoticeKind.Unsubscribe, report.Summary) { UnsubscribeToken = Uri.UnescapeDataString(report.UnsubscribeToken) };
        }
        if (report.IsLoop) return BounceNotice.Recorded(key, source, InboundOutcome.Loop, "A bounce of a bounce: " + report.Summary);

        var (message, forged) = Resolve(report);
        if (forged) return BounceNotice.Recorded(key, source, InboundOutcome.Forged, "Bounce token does not verify: " + report.Summary);
        if (message is null) return BounceNotice.Recorded(key, source, InboundOutcome.Unmatched, "Names no message we sent: " + report.Summary);

        var recipient = report.Kind == ReportKind.Complaint ? report.Recipients.FirstOrDefault() : report.Failed;
        var kind = report.Kind == ReportKind.Complaint ? NoticeKind.Complaint
            : recipient?.IsPermanent == true ? NoticeKind.HardBounce : NoticeKind.SoftBounce;
        return new BounceNotice(key, source, kind, report.Summary)
        {
            Message = message,
            Status = report.Kind == ReportKind.Complaint ? report.FeedbackType : recipient?.Status,
            Diagnostic = recipient?.Diagnostic,
            RemoteMta = recipient?.RemoteMta,
        };
    }

    /// <summary>
    /// A provider's notification (its signature or password already checked): the message from a token when the
    /// provider passed our envelope sender or Message-ID back, otherwise the address the provider names.
    /// </summary>
    public BounceNotice FromProvider(string key, BounceSource source, NoticeKind kind, string? address, IEnumerable<string?> envelopeSenders,
        string? messageId, string? status, string? diagnostic, string? remoteMta, string summary)
    {
        var report = new InboundReport(ReportKind.Bounce, summary)
        {
            EnvelopeCandidates = envelopeSenders.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e!).ToList(),
            OriginalMessageId = messageId,
        };
        var (message, forged) = Resolve(report);
        if (forged) return BounceNotice.Recorded(key, source, InboundOutcome.Forged, "Bounce token does not verify: " + summary);
        if (kind == NoticeKind.None) return BounceNotice.Recorded(key, source, InboundOutcome.Ignored, summary);
        if (message is null && string.IsNullOrWhiteSpace(address)) return BounceNotice.Recorded(key, source, InboundOutcome.Unmatched, "Names no address: " + summary);
        return new BounceNotice(key, source, kind, summary) { Message = message, Address = address, Status = status, Diagnostic = diagnostic, RemoteMta = remoteMta };
    }

    /// <summary>The first valid token among the candidates; forged when any candidate has our shape and a bad signature.</summary>
    private (SentMessage? Message, bool Forged) Resolve(InboundReport report)
    {
        SentMessage? found = null;
        var forged = false;
        foreach (var check in report.EnvelopeCandidates.Select(addresses.ReadAddress).Append(addresses.ReadMessageId(report.OriginalMessageId)))
        {
            if (check.Status == TokenStatus.Forged) forged = true;
            else if (check.IsValid) found ??= check.Message;
        }
        return (found, forged);
    }
}
