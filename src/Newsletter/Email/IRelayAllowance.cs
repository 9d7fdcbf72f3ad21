namespace Newsletter.Email;

/// <summary>
/// The relay's sending limits (messages per second, messages per window) are for every message it takes, whoever
/// sends it. Digests ask before each window and wait their turn; a lane that must not queue behind a million-reader
/// digest (transactional mail) takes its place here before each message instead, so the digests leave room for it.
/// The digests' fleet limiter implements it (<c>Digests:MessagesPerSecond</c>, <c>Digests:WindowLimit</c>).
/// </summary>
public interface IRelayAllowance
{
    /// <summary>
    /// Takes one message's place: at once while this lane is at most a moment (a tenth of a second's allowance) ahead
    /// of the rate, otherwise after waiting for that, so a burst of confirmations goes at once and a run of annual
    /// statements goes at the relay's rate; the window counts it but never holds it back. Throws only when cancelled:
    /// a place that cannot be written (the database refuses) is logged, and the message goes anyway.
    /// </summary>
    Task TakeAsync(CancellationToken cancellationToken);
}

/// <summary>No relay limits: nothing to take.</summary>
public sealed class NoRelayLimit : IRelayAllowance
{
    public Task TakeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
