using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace Newsletter.Email;

/// <summary>
/// A reader's address, parsed by MimeKit and normalised once: the domain is turned to punycode for sending,
/// the local part is kept as given. <see cref="Key"/> is what we compare on (domain case-insensitive).
/// </summary>
public sealed record EmailAddress
{
    /// <summary>RFC 5321: a path is at most 256 octets including the angle brackets.</summary>
    public const int MaxLength = 254;
    public const int MaxLocalPartLength = 64;

    private EmailAddress(string address, string key)
    {
        Address = address;
        Key = key;
    }

    /// <summary>The address to send to: local part as given, ASCII (punycode) domain in lower case.</summary>
    public string Address { get; }

    /// <summary>The comparison key: unique per reader in the database.</summary>
    public string Key { get; }

    public override string ToString() => Address;

    /// <summary>Parses user input. On failure <paramref name="error"/> says what is wrong in plain words.</summary>
    public static bool TryParse(string? input, [NotNullWhen(true)] out EmailAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        var value = input?.Trim(' ', '\t');
        if (string.IsNullOrEmpty(value)) { error = "An email address is required."; return false; }
        if (HeaderText.ContainsControlCharacters(value)) { error = "The email address contains control characters."; return false; }
        if (value.Contains('\uFFFD')) { error = "The email address contains characters that are not valid text (is the file UTF-8?)."; return false; }
        if (value.Length > MaxLength) { error = $"The email address is longer than {MaxLength} characters."; return false; }
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1) { error = "The email address needs a name, an @ and a domain."; return false; }
        var local = value[..at];
        var domain = value[(at + 1)..];
        if (local.Length > MaxLocalPartLength) { error = $"The part before the @ is longer than {MaxLocalPartLength} characters."; return false; }
        string asciiDomain;
        try
        {
            asciiDomain = new IdnMapping { AllowUnassigned = false, UseStd3AsciiRules = true }.GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = "The domain of the email address is not valid."; return false;
        }
        if (!asciiDomain.Contains('.') || asciiDomain.EndsWith('.')) { error = "The domain of the email address is not valid."; return false; }
        var candidate = local + "@" + asciiDomain;
        // MimeKit is the judge of syntax: it must read back exactly one plain mailbox with the same address.
        if (!MailboxAddress.TryParse(ParserOptions.Default, candidate, out var mailbox)
            || mailbox.Route.Count > 0 || !string.IsNullOrEmpty(mailbox.Name)
            || !string.Equals(mailbox.GetAddress(idnEncode: true), candidate, StringComparison.OrdinalIgnoreCase))
        {
            error = "The email address is not valid."; return false;
        }
        address = new EmailAddress(candidate, candidate);
        error = null;
        return true;
    }

    /// <summary>Parses an address that was valid when it was stored.</summary>
    public static EmailAddress FromStored(string address) =>
        TryParse(address, out var parsed, out var error) ? parsed : throw new FormatException(error);
}
