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
        Directory.CreateDirectory(folder);
        return Task.FromResult<IEmailSession>(new Session(folder));
    }

    private sealed class Session(string folder) : IEmailSession
    {
        public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            var name = $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}";
            var temporary = Path.Combine(folder, name + ".tmp");
            await message.WriteToAsync(temporary, cancellationToken);
            // A reader of the folder only ever sees whole .eml files.
            File.Move(temporary, Path.Combine(folder, name + ".eml"));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
