using System.ComponentModel.DataAnnotations;

namespace Newsletter.Email;

/// <summary>How mail leaves the service: a pickup folder of .eml files (default) or SMTP.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public EmailTransportKind Transport { get; set; } = EmailTransportKind.Pickup;

    /// <summary>Sender address of every email.</summary>
    [Required, EmailAddress]
    public string FromAddress { get; set; } = "newsletter@localhost.localdomain";

    [StringLength(200)]
    public string? FromName { get; set; }

    /// <summary>The mailto: target of List-Unsubscribe; defaults to unsubscribe@ the sender's domain.</summary>
    [EmailAddress]
    public string? UnsubscribeMailbox { get; set; }

    /// <summary>Folder for .eml files when Transport is Pickup; relative to the data directory.</summary>
    [Required]
    public string PickupDirectory { get; set; } = "outbox";

    public SmtpOptions Smtp { get; set; } = new();
}

public enum EmailTransportKind
{
    Pickup,
    Smtp,
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>None, Auto, SslOnConnect, StartTls, StartTlsWhenAvailable (MailKit's SecureSocketOptions).</summary>
    public MailKit.Security.SecureSocketOptions Security { get; set; } = MailKit.Security.SecureSocketOptions.StartTls;

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Seconds to wait for the server on each command.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>After a failed connection (or a message the server dropped), the wait before the next one; doubles each time.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between connection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);
}
