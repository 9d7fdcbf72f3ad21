using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Newsletter.Links;

namespace Newsletter.Staff;

/// <summary>
/// The one-time secret first-run setup asks for, so that whoever reaches a new install first over the network cannot
/// make themselves its owner. It is derived from the signing key (HMAC with a fixed label), so every web process of an
/// install computes the same one without sharing state, and it is shown only where the operator looks: the start-up
/// log and <c>{DataDirectory}/setup-token</c>. Once an owner exists, setup is closed and the token opens nothing.
/// </summary>
public sealed class SetupToken(SigningKey key)
{
    private static readonly byte[] Label = Encoding.UTF8.GetBytes("newsletter/first-run-setup/v1");

    /// <summary>The token, 43 characters of base64url (256 bits).</summary>
    public string Value { get; } = WebEncoders.Base64UrlEncode(HMACSHA256.HashData(key.Bytes, Label));

    /// <summary>True when <paramref name="presented"/> is the token; compared in constant time, spaces around it ignored.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented.Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(Value)));
}
