using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Newsletter.Localization;

namespace Newsletter.Email;

/// <summary>
/// A reader's address, parsed by MimeKit and normalised once: the domain is turned to punycode for sending,
/// the local part is kept as given, in Unicode's composed form (NFC). <see cref="Key"/> is what we compare on (domain case-insensitive).
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

    /// <summary>Parses user input. On failure <paramref name="error"/> says what is wrong in plain English (staff: imports, the dashboard, the staff API).</summary>
    public static bool TryParse(string? input, [NotNullWhen(true)] out EmailAddress? address, [NotNullWhen(false)] out string? error) =>
        TryParse(input, ReaderText.English, out address, out error);

    /// <summary>
    /// Parses user input. On failure <paramref name="error"/> says what is wrong in plain words of <paramref name="words"/>'s
    /// language: the reasons are reader texts (<c>EmailAddress.*</c> in the resource files), since readers see them beside the field.
    /// </summary>
    public static bool TryParse(string? input, ReaderWords words, [NotNullWhen(true)] out EmailAddress? address, [NotNullWhen(false)] out string? error)
    {
        var reason = Check(input, out address);
        error = reason is null ? null : words[reason.Value.Key, reason.Value.Args];
        return address is not null;
    }

    /// <summary>The address, or the reader-text key (and its arguments) of why it is not one.</summary>
    private static (string Key, object?[] Args)? Check(string? input, out EmailAddress? address)
    {
        address = null;
        var value = input?.Trim(' ', '\t');
        if (string.IsNullOrEmpty(value)) return ("EmailAddress.Required", []);
        if (HeaderText.ContainsControlCharacters(value)) return ("EmailAddress.ControlCharacters", []);
        if (value.Contains('\uFFFD')) return ("EmailAddress.NotText", []);
        if (value.Length > MaxLength) return ("EmailAddress.TooLong", [MaxLength]);
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1) return ("EmailAddress.Parts", []);
        // One address, one key: "é" typed as one character (NFC) or as e and a combining accent (NFD, as macOS copies
        // it) is the same address, the same reader and the same suppression.
        string local;
        try
        {
            local = value[..at].Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return ("EmailAddress.NotText", []);
        }
        var domain = value[(at + 1)..];
        if (local.Length > MaxLocalPartLength) return ("EmailAddress.LocalPartTooLong", [MaxLocalPartLength]);
        string asciiDomain;
        try
        {
            asciiDomain = new IdnMapping { AllowUnassigned = false, UseStd3AsciiRules = true }.GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return ("EmailAddress.Domain", []);
        }
        if (!asciiDomain.Contains('.') || asciiDomain.EndsWith('.')) return ("EmailAddress.Domain", []);
        var candidate = local + "@" + asciiDomain;
        // MimeKit is the judge of syntax: it must read back exactly one plain mailbox with the same address.
        if (!MailboxAddress.TryParse(ParserOptions.Default, candidate, out var mailbox)
            || mailbox.Route.Count > 0 || !string.IsNullOrEmpty(mailbox.Name)
            || !string.Equals(mailbox.GetAddress(idnEncode: true), candidate, StringComparison.OrdinalIgnoreCase))
            return ("EmailAddress.Invalid", []);
        address = new EmailAddress(candidate, candidate);
        return null;
    }

    /// <summary>Parses an address that was valid when it was stored.</summary>
    public static EmailAddress FromStored(string address) =>
        TryParse(address, out var parsed, out var error) ? parsed : throw new FormatException(error);
}
