using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Subscribers;

/// <summary>
/// Staff's view of subscribers (the dashboard's pages and the admin API): the one subscriber search, with filters and
/// keyset paging that stay fast at a million rows (every query is an index range), one subscriber's history, and
/// staff edits.
/// </summary>
public sealed class SubscriberDirectory(NewsletterDb db, TimeProvider clock)
{
    public const int PageSize = 50;

    /// <summary>A page of the dashboard's list (newest first unless <see cref="SubscriberSearch.After"/> is given).</summary>
    public async Task<SubscriberListPage> SearchAsync(SubscriberSearch search, CancellationToken cancellationToken)
    {
        var rows = await Matching(search).Take(PageSize + 1)
            .Select(s => new SubscriberRow(s.Id, s.Email, s.Name, s.Status, s.Frequency, s.CreatedAt))
            .ToListAsync(cancellationToken);
        var more = rows.Count > PageSize;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new SubscriberListPage(rows, more ? rows[^1].Id : null);
    }

    /// <summary>
    /// The subscribers a search finds, in its order: newest first below <see cref="SubscriberSearch.Before"/>, or oldest
    /// first above <see cref="SubscriberSearch.After"/>. <see cref="SubscriberSearch.Text"/> matches the start of the
    /// email address or the name (as typed, lower case, or capitalised), as index ranges rather than LIKE, which SQLite
    /// cannot index.
    /// </summary>
    public IQueryable<Subscriber> Matching(SubscriberSearch search)
    {
        var query = db.Set<Subscriber>().AsNoTracking();
        if (search.Status is { } status) query = query.Where(s => s.Status == status);
        if (search.Frequency is { } frequency) query = query.Where(s => s.Frequency == frequency);
        if (search.Before is { } before) query = query.Where(s => s.Id < before);
        if (search.After is { } after) query = query.Where(s => s.Id > after);
        var term = search.Text?.Trim();
        var variants = string.IsNullOrEmpty(term) ? [] : new[] { term, term.ToLowerInvariant(), char.ToUpperInvariant(term[0]) + term[1..] }.Distinct().ToList();
        var ranges = variants.Where(v => v[^1] < char.MaxValue).Select(v => (From: v, To: v[..^1] + (char)(v[^1] + 1))).ToList();
        if (ranges.Count > 0)
        {
            // Up to three ranges on each of two indexes; written out because EF cannot OR a list of ranges.
            var (a, b, c) = (ranges[0], ranges.ElementAtOrDefault(1), ranges.ElementAtOrDefault(2));
            b = b == default ? a : b;
            c = c == default ? a : c;
            query = query.Where(s =>
                (string.Compare(s.EmailKey, a.From) >= 0 && string.Compare(s.EmailKey, a.To) < 0) ||
                (string.Compare(s.EmailKey, b.From) >= 0 && string.Compare(s.EmailKey, b.To) < 0) ||
                (string.Compare(s.EmailKey, c.From) >= 0 && string.Compare(s.EmailKey, c.To) < 0) ||
                (string.Compare(s.Name, a.From) >= 0 && string.Compare(s.Name, a.To) < 0) ||
                (string.Compare(s.Name, b.From) >= 0 && string.Compare(s.Name, b.To) < 0) ||
                (string.Compare(s.Name, c.From) >= 0 && string.Compare(s.Name, c.To) < 0));
        }
        // With a search term, "Id + 0" keeps the planner off a walk of the whole primary key (it would test every row
        // until a page matches): the index ranges find the matches, then only those are sorted.
        var plain = string.IsNullOrEmpty(term);
        if (search.After is not null) return plain ? query.OrderBy(s => s.Id) : query.OrderBy(s => s.Id + 0);
        return plain ? query.OrderByDescending(s => s.Id) : query.OrderByDescending(s => s.Id + 0);
    }

    public Task<Subscriber?> FindAsync(long id, CancellationToken cancellationToken) =>
        db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);

    /// <summary>Everything that happened to a subscriber, newest first: their events and the emails we sent them.</summary>
    public async Task<IReadOnlyList<SubscriberHistoryLine>> HistoryAsync(long id, CancellationToken cancellationToken)
    {
        var events = await db.Set<SubscriberEvent>().AsNoTracking().Where(e => e.SubscriberId == id)
            .Select(e => new SubscriberHistoryLine(e.At, e.Kind, e.Detail)).ToListAsync(cancellationToken);
        var emails = await db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.SubjectId == id && e.Kind.StartsWith("subscriber."))
            .Select(e => new { e.CreatedAt, e.Kind, e.State, e.SentAt }).ToListAsync(cancellationToken);
        events.AddRange(emails.Select(e => new SubscriberHistoryLine(e.SentAt ?? e.CreatedAt, "email", $"{e.Kind}: {e.State}")));
        return events.OrderByDescending(e => e.At).ToList();
    }

    /// <summary>Staff change a subscriber's name, frequency and topics; recorded in the history. Returns errors by field.</summary>
    public async Task<Dictionary<string, string[]>> UpdateAsync(long id, SubscriberEdit edit, SubscriberOptions options, string staff, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = SignupValidation.TryName(edit.Name, errors);
        var frequency = SignupValidation.TryFrequency(edit.Frequency, errors);
        var topics = SignupValidation.TryTopics(edit.Topics, options, errors);
        if (errors.Count > 0) return errors;
        var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return new() { ["id"] = ["The subscriber does not exist (any more)."] };
        var now = clock.GetUtcNow().UtcDateTime;
        subscriber.Name = name;
        subscriber.Frequency = frequency;
        subscriber.Topics = topics;
        subscriber.UpdatedAt = now;
        db.Add(new SubscriberEvent { SubscriberId = id, At = now, Kind = "edited", Detail = $"by {staff}: {frequency}; topics: {(topics.Length == 0 ? "all" : topics)}" });
        await db.SaveChangesAsync(cancellationToken);
        return errors;
    }

    /// <summary>Unsubscribes on a staff member's word (the reader asked by mail, say). False when there is no such subscriber.</summary>
    public async Task<bool> UnsubscribeAsync(long id, string staff, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return false;
        await subscriptions.UnsubscribeAsync(subscriber, "staff: " + staff, cancellationToken);
        return true;
    }
}

/// <summary>
/// A subscriber search. The cursor is the last id of the previous page and gives the order: <see cref="Before"/> newest
/// first (the dashboard), <see cref="After"/> oldest first (the admin API); neither is newest first from the top.
/// </summary>
public sealed record SubscriberSearch(string? Text, SubscriberStatus? Status, DigestFrequency? Frequency, long? Before, long? After = null);

public sealed record SubscriberRow(long Id, string Email, string? Name, SubscriberStatus Status, DigestFrequency Frequency, DateTime SubscribedAt);

/// <summary>One page; <see cref="NextBefore"/> is the cursor of the next page, or null on the last.</summary>
public sealed record SubscriberListPage(IReadOnlyList<SubscriberRow> Items, long? NextBefore);

public sealed record SubscriberHistoryLine(DateTime At, string Kind, string? Detail);

/// <summary>What staff typed into the edit form, before it is checked.</summary>
public sealed record SubscriberEdit(string? Name, string? Frequency, IReadOnlyList<string> Topics);
