using System.Text.Json;

namespace Newsletter.Bounces;

/// <summary>
/// Reads the SES notification inside a verified SNS message (<c>notificationType</c>, or <c>eventType</c> for event
/// publishing): Bounce (Permanent: hard; Transient, Undetermined: soft), Complaint; anything else (Delivery...) is ignored.
/// The envelope sender (<c>mail.source</c>) and the Message-ID header name the message when SES passes them back.
/// </summary>
public static class SesNotifications
{
    public static IEnumerable<BounceNotice> Read(string snsMessageId, string message, BounceMatcher matcher)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var type = String(root, "notificationType") ?? String(root, "eventType");
        var mail = root.TryGetProperty("mail", out var m) ? m : default;
        var source = mail.ValueKind == JsonValueKind.Object ? String(mail, "source") : null;
        var messageId = MessageIdHeader(mail);
        var key = "ses:" + snsMessageId;
        if (type == "Bounce" && root.TryGetProperty("bounce", out var bounce))
        {
            var kind = String(bounce, "bounceType") == "Permanent" ? NoticeKind.HardBounce : NoticeKind.SoftBounce;
            var mta = String(bounce, "reportingMTA");
            var index = 0;
            foreach (var recipient in Array(bounce, "bouncedRecipients"))
            {
                yield return matcher.FromProvider($"{key}:{index++}", BounceSource.Ses, kind, String(recipient, "emailAddress"), [source], messageId,
                    String(recipient, "status"), String(recipient, "diagnosticCode"), mta, $"SES {String(bounce, "bounceType")} bounce ({String(bounce, "bounceSubType")})");
            }
            if (index == 0) yield return BounceNotice.Recorded(key, BounceSource.Ses, InboundOutcome.Unmatched, "SES bounce without recipients");
            yield break;
        }
        if (type == "Complaint" && root.TryGetProperty("complaint", out var complaint))
        {
            var feedback = String(complaint, "complaintFeedbackType");
            // A complaint with a feedback type other than abuse (not-spam...) is not a complaint against us.
            var kind = feedback is null or "abuse" ? NoticeKind.Complaint : NoticeKind.None;
            var index = 0;
            foreach (var recipient in Array(complaint, "complainedRecipients"))
                yield return matcher.FromProvider($"{key}:{index++}", BounceSource.Ses, kind, String(recipient, "emailAddress"), [source], messageId,
                    feedback ?? "abuse", String(complaint, "userAgent"), null, "SES complaint");
            if (index == 0) yield return BounceNotice.Recorded(key, BounceSource.Ses, InboundOutcome.Unmatched, "SES complaint without recipients");
            yield break;
        }
        yield return BounceNotice.Recorded(key, BounceSource.Ses, InboundOutcome.Ignored, $"SES {type ?? "notification"}: nothing to do");
    }

    private static string? MessageIdHeader(JsonElement mail)
    {
        if (mail.ValueKind != JsonValueKind.Object) return null;
        foreach (var header in Array(mail, "headers"))
            if (String(header, "name") is { } name && name.Equals("Message-ID", StringComparison.OrdinalIgnoreCase)) return String(header, "value");
        return mail.TryGetProperty("commonHeaders", out var common) ? String(common, "messageId") : null;
    }

    private static IEnumerable<JsonElement> Array(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().ToList() : [];

    /// <summary>
    /// A string field, or null when it is missing, not a string, or not text at all: JSON may escape half a surrogate
    /// pair ("\ud800"), which .NET cannot make a string of. Every webhook reads its fields here, so such a body is
    /// refused as malformed (400), not failed on (500).
    /// </summary>
    internal static string? String(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String) return null;
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
