using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Newsletter.Email;

/// <summary>
/// The process's lanes to the mail server, each an <see cref="EmailSessionPool"/> registered under its name: digests
/// get <c>Digests:Connections</c> sessions, transactional mail its own <c>Email:Transactional:Connections</c>, so a
/// confirmation never waits behind a million-reader digest. Take one with <c>[FromKeyedServices(EmailLanes.X)]</c>.
/// </summary>
public static class EmailLanes
{
    public const string Digests = "digests";
    public const string Transactional = "transactional";

    /// <summary>
    /// Registers a lane of <paramref name="size"/> sessions (read when the lane is first used). A lane whose senders
    /// ask the relay's allowance themselves (digests, a window at a time) says <paramref name="asksFirst"/>; on every
    /// other lane each message takes its place in the relay's limits before it goes (<see cref="IRelayAllowance"/>).
    /// </summary>
    public static IServiceCollection AddEmailLane(this IServiceCollection services, string lane, Func<IServiceProvider, (int Size, TimeSpan IdleTimeout)> size,
        bool asksFirst = false) =>
        services.AddKeyedSingleton(lane, (sp, _) =>
        {
            var (count, idle) = size(sp);
            var smtp = sp.GetRequiredService<IOptions<EmailOptions>>().Value.Smtp;
            var relay = asksFirst ? null : sp.GetRequiredService<IRelayAllowance>();
            return new EmailSessionPool(sp.GetRequiredService<IEmailTransport>(), sp.GetRequiredService<MessageSigner>(),
                new EmailPoolSettings(count, idle, smtp.ReconnectDelay, smtp.MaxReconnectDelay, relay), sp.GetRequiredService<TimeProvider>());
        });
}
