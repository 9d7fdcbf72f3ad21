using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Newsletter.Email;

/// <summary>
/// DKIM for every outgoing message (optional): where the private key is and which selector and domain sign.
/// Empty <see cref="KeyPath"/> means no signing.
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
