namespace Newsletter.Subscribers;

/// <summary>
/// A feature that keeps personal data about subscribers (deliveries, donations...) takes part in data export and
/// erasure through this interface, so erasure never forgets a table.
/// </summary>
public interface ISubscriberDataParticipant
{
    /// <summary>A name for this part of the export, e.g. "deliveries".</summary>
    string Section { get; }

    /// <summary>The subscriber's data this feature holds, ready to serialise as JSON.</summary>
    Task<object?> ExportAsync(Subscriber subscriber, CancellationToken cancellationToken);

    /// <summary>Removes or anonymises the subscriber's data; runs inside the erasure transaction.</summary>
    Task EraseAsync(Subscriber subscriber, CancellationToken cancellationToken);
}
