namespace Newsletter.Email;

/// <summary>
/// The relay's sending limits (messages per second, messages per window) count every message it takes, whoever sends
/// it. Digests ask before each window and wait; transactional mail never waits (a confirmation must not queue behind
/// a million-reader digest) but is counted here after it went out, so the digests leave room for it. The digests' fleet
/// limiter implements it (<c>Digests:MessagesPerSecond</c>, <c>Digests:WindowLimit</c>); with no limit it counts nothing.
/// </summary>
public interface IRelayAllowance
{
    /// <summary>Counts <paramref name="messages"/> that went out without asking. Never throws: a count that cannot be
    /// written is logged and lost (the mail itself is not affected).</summary>
    Task CountAsync(int messages);
}

/// <summary>No relay limits: nothing to count.</summary>
public sealed class NoRelayLimit : IRelayAllowance
{
    public Task CountAsync(int messages) => Task.CompletedTask;
}
