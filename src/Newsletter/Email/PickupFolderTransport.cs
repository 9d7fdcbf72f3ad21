using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;

namespace Newsletter.Email;

/// <summary>The embedded default: every message becomes an .eml file in the pickup folder, written atomically.</summary>
public sealed class PickupFolderTransport(IOptions<EmailOptions> options, DataDirectory dataDirectory) : IEmailTransport
{
    public Task<IEmailSession> OpenAsync(CancellationToken cancellationToken)
    {
        var folder = dataDirectory.Resolve(options.Value.PickupDirectory);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EmailTransportException($"The pickup folder {folder} cannot be created: {e.Message}", e);
        }
        return Task.FromResult<IEmailSession>(new Session(folder));
    }

    private sealed class Session(string folder) : IEmailSession
    {
        public async Task<SendResult> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken)
        {
            var name = $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}";
            var temporary = Path.Combine(folder, name + ".tmp");
            try
            {
                if (envelopeSender is not null) message.Headers.Replace("X-Envelope-From", envelopeSender.Address);
                await message.WriteToAsync(temporary, cancellationToken);
                // A reader of the folder only ever sees whole .eml files: the message is handed over by this move.
                File.Move(temporary, Path.Combine(folder, name + ".eml"));
                return SendResult.Accepted;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                try { File.Delete(temporary); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
                return new SendResult(SendOutcome.NotHandedOver, null, null, "The pickup folder refused the file: " + e.Message, true);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
