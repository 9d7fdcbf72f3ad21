using Microsoft.Extensions.Options;

namespace Newsletter.Bounces;

/// <summary>Cross-field checks: a mailbox needs credentials and two different folders; the webhook secret has a length.</summary>
public sealed class BounceOptionsValidator : IValidateOptions<BounceOptions>
{
    public ValidateOptionsResult Validate(string? name, BounceOptions options)
    {
        var failures = new List<string>();
        Mailbox("Bounces:Imap", options.Imap, failures);
        Mailbox("Bounces:UnsubscribeImap", options.UnsubscribeImap, failures);
        if (options.Address is { } address && (address.Contains('+') || address.Length > 200))
            failures.Add("Bounces:Address must be a plain address without '+' (the token is added after a '+').");
        if (options.SoftWindow <= TimeSpan.Zero) failures.Add("Bounces:SoftWindow must be positive.");
        if (options.MailboxLease < TimeSpan.FromSeconds(3)) failures.Add("Bounces:MailboxLease must be at least 3 seconds.");
        if (options.Webhook.Secret is { Length: > 0 and < 16 }) failures.Add("Bounces:Webhook:Secret must be at least 16 characters.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Mailbox(string key, MailboxOptions mailbox, List<string> failures)
    {
        if (!mailbox.IsConfigured) return;
        if (string.IsNullOrEmpty(mailbox.Username) || string.IsNullOrEmpty(mailbox.Password))
            failures.Add($"{key}:Username and {key}:Password are required when {key}:Host is set.");
        if (string.IsNullOrWhiteSpace(mailbox.Folder) || string.IsNullOrWhiteSpace(mailbox.ProcessedFolder)
            || mailbox.Folder.Equals(mailbox.ProcessedFolder, StringComparison.OrdinalIgnoreCase))
            failures.Add($"{key}:Folder and {key}:ProcessedFolder must be set and differ.");
        if (mailbox.PollInterval < TimeSpan.FromSeconds(1)) failures.Add($"{key}:PollInterval must be at least one second.");
    }
}
