namespace Newsletter.Subscribers;

/// <summary>
/// A feature that keeps personal data about people (deliveries, donations...) takes part in data export and erasure
/// through this interface, so erasure never forgets a table. The person may be a subscriber or only an address
/// (a donor who never subscribed): see <see cref="DataSubject"/>.
/// </summary>
public interface ISubscriberDataParticipant
{
    /// <summary>A name for this part of the export, e.g. "deliveries".</summary>
    string Section { get; }

    /// <summary>The person's data this feature holds, ready to serialise as JSON; null when it holds none.</summary>
    Task<object?> ExportAsync(DataSubject subject, CancellationToken cancellationToken);

    /// <summary>Removes or anonymises the person's data; runs inside the erasure transaction. Returns how many records it touched.</summary>
    Task<int> EraseAsync(DataSubject subject, CancellationToken cancellationToken);

    /// <summary>After the erasure committed: work that must not run inside the transaction (jobs, other systems).</summary>
    Task ErasedAsync(DataSubject subject, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Whose data: the subscriber's id when they are one, and always the address (its comparison key too).</summary>
public sealed record DataSubject(long? SubscriberId, string Email, string EmailKey)
{
    public static DataSubject Of(Subscriber subscriber) => new(subscriber.Id, subscriber.Email, subscriber.EmailKey);

    public static DataSubject Of(Email.EmailAddress address) => new(null, address.Address, address.Key);
}
