using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Newsletter.Bounces;

/// <summary>
/// The generic bounce webhook, for any provider or relay: a JSON body <c>{"id", "type": "hard"|"soft"|"complaint",
/// "email", "messageId"?, "envelopeFrom"?, "status"?, "diagnostic"?}</c>, signed as
/// <c>X-Newsletter-Signature: t={unix seconds},v1={hex HMAC-SHA256 of "t.body"}</c> with <c>Bounces:Webhook:Secret</c>.
/// </summary>
public static class SignedWebhookNotifications
{
    public const string SignatureHeader = "X-Newsletter-Signature";

    /// <summary>Null when the signature is good and fresh; otherwise why not.</summary>
    public static string? Verify(string body, string? header, string secret, int toleranceSeconds, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(header)) return $"The {SignatureHeader} header is missing.";
        string? timestamp = null, signature = null;
        foreach (var part in header.Split(','))
        {
            var kv = part.Trim().Split('=', 2);
            if (kv.Length != 2) continue;
            if (kv[0] == "t") timestamp = kv[1];
            else if (kv[0] == "v1") signature = kv[1];
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || signature is null)
            return $"The {SignatureHeader} header must be t=<unix seconds>,v1=<hex>.";
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > toleranceSeconds) return "The signature's timestamp is outside the tolerance.";
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body));
        byte[] given;
        try { given = Convert.FromHexString(signature); }
        catch (FormatException) { return "The signature is not hex."; }
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : "The signature does not match.";
    }

    /// <summary>The header value for <paramref name="body"/> at <paramref name="timestamp"/> (for senders and tests).</summary>
    public static string Sign(string body, string secret, long timestamp) =>
        $"t={timestamp},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body)))}";

    public static BounceNotice Read(JsonElement root, BounceMatcher matcher)
    {
        var id = SesNotifications.String(root, "id");
        if (string.IsNullOrWhiteSpace(id) || id.Length > 200) throw new JsonException("\"id\" is required (at most 200 characters).");
        var type = SesNotifications.String(root, "type")?.ToLowerInvariant();
        var kind = type switch
        {
            "hard" => NoticeKind.HardBounce,
            "soft" => NoticeKind.SoftBounce,
            "complaint" => NoticeKind.Complaint,
            _ => throw new JsonException("\"type\" must be hard, soft or complaint."),
        };
        return matcher.FromProvider("webhook:" + id, BounceSource.Webhook, kind, SesNotifications.String(root, "email"), [SesNotifications.String(root, "envelopeFrom")],
            SesNotifications.String(root, "messageId"), SesNotifications.String(root, "status"), SesNotifications.String(root, "diagnostic"), null, $"Webhook {type}");
    }
}
