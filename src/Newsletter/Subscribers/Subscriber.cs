namespace Newsletter.Subscribers;

/// <summary>A reader on the list. <see cref="PublicId"/> goes into signed links; <see cref="Id"/> never leaves the database.</summary>
public sealed class Subscriber
{
    public long Id { get; set; }
    public Guid PublicId { get; set; } = Guid.NewGuid();

    /// <summary>The address we send to (local part as given, punycode domain).</summary>
    public required string Email { get; set; }

    /// <summary>Unique comparison key (see <see cref="Email.EmailAddress.Key"/>).</summary>
    public required string EmailKey { get; set; }

    public string? Name { get; set; }
    public DigestFrequency Frequency { get; set; } = DigestFrequency.Weekly;

    /// <summary>Chosen topics, lower case, sorted, comma-separated; empty means every topic.</summary>
    public string Topics { get; set; } = string.Empty;

    /// <summary>
    /// The language of every page and email for this reader (two letters, e.g. "de"), chosen at sign-up (the form's
    /// field, <c>?lang=</c> or <c>Accept-Language</c>) and changed on the preferences page. Null (readers from before
    /// languages, imports): <c>Site:Language</c>.
    /// </summary>
    public string? Language { get; set; }

    public SubscriberStatus Status { get; set; } = SubscriberStatus.Unconfirmed;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public DateTime? UnsubscribedAt { get; set; }

    // Consent: when, where and from whom the latest sign-up came (GDPR art. 7(1): be able to show consent).
    public DateTime ConsentAt { get; set; }
    public string ConsentSource { get; set; } = string.Empty;
    public string? ConsentIp { get; set; }
    public string? ConsentUserAgent { get; set; }
}

public enum SubscriberStatus
{
    Unconfirmed = 0,
    Confirmed = 1,
    Unsubscribed = 2,
}

public enum DigestFrequency
{
    Daily = 0,
    Weekly = 1,
}
