using System.Security.Cryptography;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Bounces;

/// <summary>
/// One look at an open IMAP folder: every message is read, applied through <see cref="BouncePolicy"/> (its own scope
/// and transaction each), and moved to the processed folder only after the effect committed. A message already
/// recorded (a move lost to a crash) is just moved; one that cannot be read stays and is recorded once as Unreadable.
/// Nothing is ever deleted.
/// </summary>
public sealed partial class MailboxReader(
    IServiceScopeFactory scopes,
    MessageFactory messages,
    BounceMatcher matcher,
    IOptions<BounceOptions> options,
    ILogger<MailboxReader> logger)
{
    private const int FetchBatch = 100;

    /// <summary>Reads the folder once. <paramref name="keepLease"/> is asked before each message; false stops the look.</summary>
    public async Task<ScanCounts> ScanAsync(IMailFolder folder, IMailFolder processed, BounceSource source, Func<Task<bool>> keepLease, CancellationToken cancellationToken)
    {
        var counts = new ScanCounts();
        var uids = await folder.SearchAsync(SearchQuery.All, cancellationToken);
        foreach (var chunk in uids.Chunk(FetchBatch))
        {
            var summaries = await folder.FetchAsync(chunk, MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Envelope, cancellationToken);
            foreach (var summary in summaries)
            {
                if (!await keepLease()) return counts;
                try
                {
                    await ReadOneAsync(folder, processed, source, summary, counts, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException and not IOException and not ImapProtocolException and not ServiceNotConnectedException
                    and not FolderNotFoundException)
                {
                    // Our side failed (the database, say): the message stays and is read again on the next look. A
                    // processed folder someone deleted is not this message's failure: the scanner reconnects, which
                    // creates it again, and the applied message is only moved then.
                    counts.Failed++;
                    LogMessageFailed(logger, summary.UniqueId.Id, e);
                }
            }
        }
        return counts;
    }

    private async Task ReadOneAsync(IMailFolder folder, IMailFolder processed, BounceSource source, IMessageSummary summary, ScanCounts counts, CancellationToken cancellationToken)
    {
        var uid = summary.UniqueId;
        var key = summary.Envelope?.MessageId is { Length: > 0 } messageId ? Key("mid:" + messageId) : null;
        if (key is not null && await KnownOutcomeAsync(key, cancellationToken) is { } known)
        {
            if (known != InboundOutcome.Unreadable) await folder.MoveToAsync(uid, processed, cancellationToken);
            counts.AlreadyKnown++;
            return;
        }
        BounceNotice notice;
        if (summary.Size is { } size && size > options.Value.MaxMessageBytes)
        {
            notice = BounceNotice.Recorded(key ?? $"uid:{folder.UidValidity}:{uid.Id}", source, InboundOutcome.Unreadable,
                $"Too large to read ({size} bytes, limit {options.Value.MaxMessageBytes}): {summary.Envelope?.Subject}");
        }
        else
        {
            notice = await ReadNoticeAsync(folder, uid, key, source, cancellationToken);
            if (key is null && await KnownOutcomeAsync(notice.Key, cancellationToken) is { } knownByHash)
            {
                if (knownByHash != InboundOutcome.Unreadable) await folder.MoveToAsync(uid, processed, cancellationToken);
                counts.AlreadyKnown++;
                return;
            }
        }

        BounceResult result;
        await using (var scope = scopes.CreateAsyncScope())
            result = await scope.ServiceProvider.GetRequiredService<BouncePolicy>().ApplyAsync(notice, cancellationToken);
        if (result.Outcome == InboundOutcome.Unreadable)
        {
            counts.Unreadable++;
            LogUnreadable(logger, uid.Id, result.Note);
            return;
        }
        // Only now, with the effect committed: a crash before this line leaves the message to be moved next time.
        await folder.MoveToAsync(uid, processed, cancellationToken);
        counts.Processed++;
    }

    private async Task<BounceNotice> ReadNoticeAsync(IMailFolder folder, UniqueId uid, string? key, BounceSource source, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var stream = await folder.GetStreamAsync(uid, cancellationToken))
            await stream.CopyToAsync(buffer, cancellationToken);
        key ??= "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Position = 0;
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(buffer, cancellationToken);
        }
        catch (FormatException e)
        {
            return BounceNotice.Recorded(key, source, InboundOutcome.Unreadable, "Not a MIME message: " + e.Message);
        }
        InboundReport report;
        try
        {
            report = InboundMailReader.Read(message, messages.UnsubscribeMailbox);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or ParseException or NotSupportedException)
        {
            return BounceNotice.Recorded(key, source, InboundOutcome.Unreadable, "Broken MIME: " + e.Message);
        }
        return matcher.Match(report, key, source);
    }

    private async Task<InboundOutcome?> KnownOutcomeAsync(string key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        return await db.Set<InboundMessage>().AsNoTracking().Where(m => m.Key == key).Select(m => (InboundOutcome?)m.Outcome).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Message-IDs can be long; the key column holds 300 characters.</summary>
    private static string Key(string value) => value.Length <= 300 ? value : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));

    [LoggerMessage(EventId = 7010, EventName = "BounceMailboxUnreadable", Level = LogLevel.Warning, Message = "Message uid {Uid} could not be read and stays in the mailbox: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, uint uid, string reason);

    [LoggerMessage(EventId = 7011, EventName = "BounceMailboxMessageFailed", Level = LogLevel.Error, Message = "Message uid {Uid} was not applied; it stays and is read again next time")]
    private static partial void LogMessageFailed(ILogger logger, uint uid, Exception error);
}

/// <summary>What one look at a mailbox did.</summary>
public sealed class ScanCounts
{
    public int Processed { get; set; }
    public int Unreadable { get; set; }
    public int AlreadyKnown { get; set; }
    public int Failed { get; set; }
}
