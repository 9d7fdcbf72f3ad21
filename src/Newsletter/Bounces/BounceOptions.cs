using System.ComponentModel.DataAnnotations;

namespace Newsletter.Bounces;

/// <summary>Bounces, complaints and mailto unsubscribes: the envelope sender, the mailboxes to read, the policy, the webhooks.</summary>
public sealed class BounceOptions
{
    public const string Section = "Bounces";

    /// <summary>
    /// The base bounce address, e.g. <c>bounces@example.org</c>. Each message goes out with the envelope sender
    /// <c>bounces+{signed token}@example.org</c>; unset, the envelope sender stays the From address (VERP off).
    /// </summary>
    [EmailAddress]
    public string? Address { get; set; }

    /// <summary>Soft bounces (temporary failures that were given up on) that suppress an address within <see cref="SoftWindow"/>.</summary>
    [Range(1, 100)]
    public int SoftLimit { get; set; } = 3;

    public TimeSpan SoftWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Larger messages are not downloaded: they stay in the mailbox and are counted as unreadable.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxMessageBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>The bounce mailbox (where the bounce address's mail lands). No host: nothing is read.</summary>
    public MailboxOptions Imap { get; set; } = new();

    /// <summary>
    /// The mailbox behind <c>Email:UnsubscribeMailbox</c>, when it is another account; unset when the unsubscribe
    /// address delivers into the bounce mailbox (both kinds are told apart per message).
    /// </summary>
    public MailboxOptions UnsubscribeImap { get; set; } = new();

    /// <summary>How long one worker holds a mailbox before another may take it over (renewed while it scans).</summary>
    public TimeSpan MailboxLease { get; set; } = TimeSpan.FromMinutes(2);

    public SesOptions Ses { get; set; } = new();
    public PostmarkOptions Postmark { get; set; } = new();
    public SignedWebhookOptions Webhook { get; set; } = new();
}

/// <summary>One IMAP mailbox: MailKit's ImapClient, IDLE where offered, polling otherwise.</summary>
public sealed class MailboxOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 993;

    /// <summary>None, Auto, SslOnConnect, StartTls, StartTlsWhenAvailable (MailKit's SecureSocketOptions).</summary>
    public MailKit.Security.SecureSocketOptions Security { get; set; } = MailKit.Security.SecureSocketOptions.SslOnConnect;

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Where new mail arrives.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>Where a message goes once its effect is committed (created when missing). Nothing is ever deleted.</summary>
    public string ProcessedFolder { get; set; } = "Processed";

    /// <summary>How often to look when the server does not offer IDLE; also the longest IDLE before a fresh look.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>Amazon SES notifications through SNS.</summary>
public sealed class SesOptions
{
    public bool Enabled { get; set; }

    /// <summary>Accepted topic ARNs; empty accepts any topic whose messages carry a valid SNS signature.</summary>
    public string[] TopicArns { get; set; } = [];
}

/// <summary>Postmark's bounce and spam-complaint webhooks, behind HTTP basic authentication.</summary>
public sealed class PostmarkOptions
{
    public string? Username { get; set; }
    public string? Password { get; set; }
    public bool IsConfigured => !string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password);
}

/// <summary>A generic JSON webhook signed with HMAC-SHA256 (for any other provider, or a relay script).</summary>
public sealed class SignedWebhookOptions
{
    /// <summary>The shared secret (16+ characters); unset, the endpoint answers 503.</summary>
    public string? Secret { get; set; }

    [Range(1, 86400)]
    public int ToleranceSeconds { get; set; } = 300;
}
