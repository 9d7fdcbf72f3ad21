using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Newsletter.Bounces;

/// <summary>
/// Reads the bounce mailbox (and the unsubscribe mailbox, when it is another account) in every worker process, but
/// only the holder of the mailbox's lease acts: others wait and take over when it expires. The holder connects with
/// MailKit's ImapClient (on a socket with NoDelay, <see cref="Email.MailServerSocket"/>), reads everything in the
/// folder, then waits with IDLE where the server offers it (woken by new mail) or polls, renewing the lease each round.
/// Any failure (server down, wrong password, a broken connection) is logged and retried after a pause: the scanner
/// never stops.
/// </summary>
public sealed partial class MailboxScanner(
    IServiceScopeFactory scopes,
    MailboxReader reader,
    IOptions<BounceOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<MailboxScanner> logger) : BackgroundService
{
    public const string BounceMailbox = "bounces";
    public const string UnsubscribeMailbox = "unsubscribe";

    private readonly string _holder = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start-up (migrations) runs as a hosted service too: read mail only once the host has fully started.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try { await started.Task; }
            catch (OperationCanceledException) { return; }
        }
        var loops = new List<Task>();
        if (options.Value.Imap.IsConfigured) loops.Add(RunAsync(BounceMailbox, options.Value.Imap, BounceSource.Mailbox, stoppingToken));
        if (options.Value.UnsubscribeImap.IsConfigured) loops.Add(RunAsync(UnsubscribeMailbox, options.Value.UnsubscribeImap, BounceSource.UnsubscribeMailbox, stoppingToken));
        await Task.WhenAll(loops);
    }

    private async Task RunAsync(string name, MailboxOptions mailbox, BounceSource source, CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RenewAsync(name, stoppingToken))
                {
                    await HoldAsync(name, mailbox, source, stoppingToken);
                    pause = TimeSpan.FromSeconds(1);
                }
                else
                {
                    // Someone else reads it: look again before their lease could have run out.
                    await Task.Delay(Shorter(options.Value.MailboxLease / 2, mailbox.PollInterval), clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogMailboxError(logger, name, mailbox.Host!, e.Message);
                await RecordAsync(name, e.Message);
                // Let go while paused: a worker that cannot reach or log in to the mailbox (a stale password, its node's
                // network) would otherwise renew the lease before every retry and keep it from one that can.
                await ReleaseAsync(name);
                try { await Task.Delay(pause, clock, stoppingToken); } catch (OperationCanceledException) { break; }
                pause = Shorter(pause * 2, Longer(mailbox.PollInterval, TimeSpan.FromSeconds(1)) * 5);
            }
        }
        await ReleaseAsync(name);
    }

    private async Task ReleaseAsync(string name)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MailboxLeases>().ReleaseAsync(name, _holder);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database may be what failed: the lease then runs out on its own.
        }
    }

    /// <summary>Connected, holding the lease: read, wait for mail, renew; return when the lease is lost.</summary>
    private async Task HoldAsync(string name, MailboxOptions mailbox, BounceSource source, CancellationToken stoppingToken)
    {
        using var client = new ImapClient { Timeout = mailbox.TimeoutSeconds * 1000 };
        var socket = await Email.MailServerSocket.ConnectAsync(mailbox.Host!, mailbox.Port, stoppingToken);
        await client.ConnectAsync(socket, mailbox.Host!, mailbox.Port, mailbox.Security, stoppingToken);
        await client.AuthenticateAsync(mailbox.Username ?? string.Empty, mailbox.Password ?? string.Empty, stoppingToken);
        var folder = mailbox.Folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(mailbox.Folder, stoppingToken);
        var processed = await ProcessedFolderAsync(client, mailbox.ProcessedFolder, stoppingToken);
        await folder.OpenAsync(FolderAccess.ReadWrite, stoppingToken);
        var renewedAt = clock.GetTimestamp();
        async Task<bool> KeepLease()
        {
            if (clock.GetElapsedTime(renewedAt) < options.Value.MailboxLease / 3) return true;
            renewedAt = clock.GetTimestamp();
            return await RenewAsync(name, stoppingToken);
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var counts = await reader.ScanAsync(folder, processed, source, KeepLease, stoppingToken);
                if (counts.Processed + counts.Unreadable > 0) LogScanned(logger, name, counts.Processed, counts.Unreadable);
                await RecordAsync(name, null);
                await WaitForMailAsync(client, folder, mailbox, stoppingToken);
                renewedAt = clock.GetTimestamp();
                if (!await RenewAsync(name, stoppingToken)) return;
            }
        }
        finally
        {
            if (client.IsConnected)
            {
                try { await client.DisconnectAsync(quit: true, CancellationToken.None); }
                catch (Exception e) when (e is IOException or ImapProtocolException or SocketException or ImapCommandException) { }
            }
        }
    }

    /// <summary>IDLE until new mail or a third of the lease (whichever first) where offered; otherwise sleep the poll interval.</summary>
    private async Task WaitForMailAsync(ImapClient client, IMailFolder folder, MailboxOptions mailbox, CancellationToken stoppingToken)
    {
        var wait = Shorter(mailbox.PollInterval, options.Value.MailboxLease / 3);
        if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
        {
            await Task.Delay(wait, clock, stoppingToken);
            await client.NoOpAsync(stoppingToken);
            return;
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        done.CancelAfter(wait);
        void OnNewMail(object? sender, EventArgs e) => done.Cancel();
        folder.CountChanged += OnNewMail;
        try
        {
            await client.IdleAsync(done.Token, stoppingToken);
        }
        finally
        {
            folder.CountChanged -= OnNewMail;
        }
    }

    private static async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(name, cancellationToken) ?? throw new FolderNotFoundException(name);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            return await root.CreateAsync(name, isMessageFolder: true, cancellationToken) ?? throw new FolderNotFoundException(name);
        }
    }

    private async Task<bool> RenewAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MailboxLeases>().TryAcquireAsync(name, _holder, options.Value.MailboxLease, cancellationToken);
    }

    private async Task RecordAsync(string name, string? error)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MailboxLeases>().RecordAsync(name, _holder, error, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database may be what failed; the log line above already says so.
        }
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static TimeSpan Longer(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(EventId = 7012, EventName = "BounceMailboxScanned", Level = LogLevel.Information, Message = "Mailbox {Mailbox}: {Processed} message(s) applied and moved, {Unreadable} left unreadable")]
    private static partial void LogScanned(ILogger logger, string mailbox, int processed, int unreadable);

    [LoggerMessage(EventId = 7013, EventName = "BounceMailboxError", Level = LogLevel.Warning, Message = "Mailbox {Mailbox} on {Host}: {Reason}; trying again shortly")]
    private static partial void LogMailboxError(ILogger logger, string mailbox, string host, string reason);
}
