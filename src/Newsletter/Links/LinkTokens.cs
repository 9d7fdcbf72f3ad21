using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace Newsletter.Links;

/// <summary>
/// Signs and checks the tokens in email links: purpose, the subscriber's public id and an optional expiry,
/// authenticated with HMAC-SHA256. Tokens carry no personal data and cannot be forged or repurposed.
/// </summary>
public sealed class LinkTokens(SigningKey key, TimeProvider clock)
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 1 + 16 + 8;

    /// <summary>Makes a token for <paramref name="subject"/>; <paramref name="expiresAt"/> null means it never expires.</summary>
    public string Create(LinkPurpose purpose, Guid subject, DateTime? expiresAt = null)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        payload[0] = Version;
        payload[1] = (byte)purpose;
        subject.TryWriteBytes(payload.Slice(2, 16));
        BinaryPrimitives.WriteInt64BigEndian(payload.Slice(18, 8), expiresAt?.ToUniversalTime().Ticks ?? 0);
        Span<byte> mac = stackalloc byte[32];
        key.Mac(payload, mac);
        return WebEncoders.Base64UrlEncode(payload.ToArray()) + "." + WebEncoders.Base64UrlEncode(mac.ToArray());
    }

    /// <summary>Checks a token; returns the subject or says why it was refused.</summary>
    public LinkTokenCheck Check(string? token, LinkPurpose purpose)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return LinkTokenCheck.Invalid;
        var dot = token.IndexOf('.');
        if (dot <= 0) return LinkTokenCheck.Invalid;
        byte[] payload, mac;
        try
        {
            payload = WebEncoders.Base64UrlDecode(token, 0, dot);
            mac = WebEncoders.Base64UrlDecode(token, dot + 1, token.Length - dot - 1);
        }
        catch (FormatException)
        {
            return LinkTokenCheck.Invalid;
        }
        if (payload.Length != PayloadLength || payload[0] != Version) return LinkTokenCheck.Invalid;
        var expected = new byte[32];
        key.Mac(payload, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, mac)) return LinkTokenCheck.Invalid;
        if (payload[1] != (byte)purpose) return LinkTokenCheck.Invalid;
        var subject = new Guid(payload.AsSpan(2, 16));
        var ticks = BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(18, 8));
        if (ticks != 0 && clock.GetUtcNow().UtcDateTime.Ticks > ticks) return LinkTokenCheck.Expired(subject);
        return LinkTokenCheck.Valid(subject) with { ExpiresAt = ticks == 0 ? null : new DateTime(ticks, DateTimeKind.Utc) };
    }
}

/// <summary>The outcome of checking a link token.</summary>
/// <param name="ExpiresAt">When a valid token stops working (null: never), as signed into it.</param>
public readonly record struct LinkTokenCheck(LinkTokenStatus Status, Guid Subject, DateTime? ExpiresAt = null)
{
    public static LinkTokenCheck Invalid => new(LinkTokenStatus.Invalid, Guid.Empty);
    public static LinkTokenCheck Expired(Guid subject) => new(LinkTokenStatus.Expired, subject);
    public static LinkTokenCheck Valid(Guid subject) => new(LinkTokenStatus.Valid, subject);
    public bool IsValid => Status == LinkTokenStatus.Valid;
}

public enum LinkTokenStatus
{
    Invalid,
    Expired,
    Valid,
}
