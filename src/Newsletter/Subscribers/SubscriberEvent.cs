namespace Newsletter.Subscribers;

/// <summary>One line of a subscriber's history: signed up, confirmed, changed preferences, unsubscribed...</summary>
public sealed class SubscriberEvent
{
    public long Id { get; set; }
    public long SubscriberId { get; set; }
    public DateTime At { get; set; }
    public required string Kind { get; set; }
    public string? Detail { get; set; }
}
