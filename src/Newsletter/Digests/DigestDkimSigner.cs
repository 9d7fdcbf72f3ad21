using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Newsletter.Digests;

/// <summary>
/// DKIM for digests (optional): where the private key is and which selector and domain sign. Bound to
/// <c>Email:Dkim</c>, so the transactional emails can share it later. Empty <see cref="KeyPath"/> means no signing.
/// </summary>
public sealed class DkimOptions
{
    public const string Section = "Email:Dkim";

    /// <summary>PEM file of the RSA private key; its public half is published at {Selector}._domainkey.{Domain}.</summary>
    public string? KeyPath { get; set; }

    [StringLength(63)]
    public string? Selector { get; set; }

    [StringLength(253)]
    public string? Domain { get; set; }
}

/// <summary>Checks a configured key at start-up rather than at the first send.</summary>
public sealed class DkimOptionsValidator : IValidateOptions<DkimOptions>
{
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.KeyPath)) return ValidateOptionsResult.Success;
        var failures = new List<string>();
        if (!File.Exists(options.KeyPath)) failures.Add($"Email:Dkim:KeyPath '{options.KeyPath}' does not exist.");
        if (string.IsNullOrWhiteSpace(options.Selector)) failures.Add("Email:Dkim:Selector is required when Email:Dkim:KeyPath is set.");
        if (string.IsNullOrWhiteSpace(options.Domain)) failures.Add("Email:Dkim:Domain is required when Email:Dkim:KeyPath is set.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Signs each digest with MimeKit's <see cref="DkimSigner"/> (relaxed/relaxed, rsa-sha256) over From, Subject, Date, To,
/// Message-ID, List-Unsubscribe and List-Unsubscribe-Post. The message is prepared for 7bit first, so no server or
/// relay re-encodes the body after signing; that costs a transfer encoding per copy, which is why it is optional.
/// </summary>
public sealed class DigestDkimSigner
{
    private static readonly string[] SignedHeaders = ["From", "Subject", "Date", "To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"];
    private readonly DkimSigner? _signer;

    public DigestDkimSigner(IOptions<DkimOptions> options)
    {
        var dkim = options.Value;
        if (string.IsNullOrWhiteSpace(dkim.KeyPath)) return;
        _signer = new DkimSigner(dkim.KeyPath, dkim.Domain!, dkim.Selector!, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            AgentOrUserIdentifier = "@" + dkim.Domain,
        };
    }

    public bool Enabled => _signer is not null;

    /// <summary>Adds a DKIM-Signature header when signing is configured; does nothing otherwise.</summary>
    public void Sign(MimeMessage message)
    {
        if (_signer is null) return;
        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, SignedHeaders);
    }
}
