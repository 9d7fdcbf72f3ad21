using System.Globalization;
using System.Text.Json;

namespace Newsletter.Bounces;

/// <summary>
/// Reads a Postmark bounce or spam-complaint webhook. Postmark names the address (and its own message id), so the
/// policy finds the reader by address. HardBounce and BadEmailAddress are hard; SoftBounce, Transient and DnsError
/// soft; SpamComplaint a complaint; every other type (auto-responder, subscribe, ...) is ignored.
/// </summary>
public static class PostmarkNotifications
{
    public static BounceNotice Read(JsonElement root, BounceMatcher matcher)
    {
        var recordType = SesNotifications.String(root, "RecordType") ?? "Bounce";
        var type = SesNotifications.String(root, "Type") ?? recordType;
        // Postmark's ID is a number; a string is taken too.
        var id = root.TryGetProperty("ID", out var idValue) && idValue.ValueKind == JsonValueKind.Number ? idValue.GetRawText() : SesNotifications.String(root, "ID");
        if (string.IsNullOrEmpty(id)) throw new JsonException("The Postmark record has no ID.");
        var kind = recordType == "SpamComplaint" || type == "SpamComplaint" ? NoticeKind.Complaint : type switch
        {
            "HardBounce" or "BadEmailAddress" => NoticeKind.HardBounce,
            "SoftBounce" or "Transient" or "DnsError" => NoticeKind.SoftBounce,
            _ => NoticeKind.None,
        };
        var typeCode = root.TryGetProperty("TypeCode", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt64(out var number) ? number.ToString(CultureInfo.InvariantCulture) : null;
        return matcher.FromProvider($"postmark:{recordType}:{id}", BounceSource.Postmark, kind, SesNotifications.String(root, "Email"), [],
            null, type + (typeCode is null ? "" : $" ({typeCode})"), SesNotifications.String(root, "Details") ?? SesNotifications.String(root, "Description"), null,
            $"Postmark {type}");
    }
}
