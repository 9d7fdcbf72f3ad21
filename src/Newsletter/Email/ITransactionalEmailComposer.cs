using MimeKit;

namespace Newsletter.Email;

/// <summary>Builds the message for one kind of transactional email. Pure: no side effects, may run twice.</summary>
public interface ITransactionalEmailComposer
{
    /// <summary>The <see cref="TransactionalEmail.Kind"/> this composer builds.</summary>
    string Kind { get; }

    /// <summary>The message to send, or null when there is nothing to send any more (the reader left, say).</summary>
    Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken);
}
