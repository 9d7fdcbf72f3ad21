using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Email;

/// <summary>
/// The outbox decides at send time, not at queue time: an email queued for a reader who since went on the suppression
/// list, left, or was erased ends Skipped and never reaches the server (a confirmation is skipped only when the reader
/// left after asking for it: one asked for after leaving is their way back). And one sign-up form submitted again and again
/// mails the address once per 10 minutes, measured at its edges.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class OutboxEndStateTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task An_email_whose_reader_was_suppressed_left_or_erased_after_it_was_queued_ends_skipped_and_is_not_sent()
    {
        var suppressed = await AddReaderAsync("suppressed-later@outbox.example", SubscriberStatus.Unconfirmed);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            EmailAddress.TryParse(suppressed.Email, out var address, out _);
            await scope.ServiceProvider.GetRequiredService<SuppressionList>().AddAsync(address!, SuppressionReason.Complaint, "test", CancellationToken.None);
        }
        var left = await AddReaderAsync("left-later@outbox.example", SubscriberStatus.Unsubscribed);
        var erased = await AddReaderAsync("erased-later@outbox.example", SubscriberStatus.Confirmed);
        var staying = await AddReaderAsync("staying@outbox.example", SubscriberStatus.Confirmed);

        var toSuppressed = await QueueAsync(SubscriberEmailKinds.Confirm, suppressed);
        var toLeft = await QueueAsync(SubscriberEmailKinds.AlreadySubscribed, left);
        var toErased = await QueueAsync(SubscriberEmailKinds.AlreadySubscribed, erased);
        var toStaying = await QueueAsync(SubscriberEmailKinds.AlreadySubscribed, staying);
        await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.Id == erased.Id).ExecuteDeleteAsync());

        foreach (var id in new[] { toSuppressed, toLeft, toErased, toStaying }) await SendAsync(id);

        Assert.Equal((TransactionalEmailState.Skipped, "The address is on the suppression list."), await StateAsync(toSuppressed));
        Assert.Equal((TransactionalEmailState.Skipped, "Nothing to send any more."), await StateAsync(toLeft));
        Assert.Equal((TransactionalEmailState.Skipped, "Nothing to send any more."), await StateAsync(toErased));
        // The same kind of email to a reader who is still there goes out: the skips above were about the readers.
        Assert.Equal(TransactionalEmailState.Sent, (await StateAsync(toStaying)).State);
        Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(staying.Email));
        foreach (var reader in new[] { suppressed, left, erased }) Assert.False(app.Smtp.AcceptedCount.ContainsKey(reader.Email), reader.Email);
    }

    [Fact]
    public async Task A_reader_who_left_gets_the_confirmation_they_ask_for_afterwards_but_not_one_asked_for_before_they_left()
    {
        // Left an hour ago and signs up again on the form: the confirmation is their only way back, so it goes out.
        var returning = await AddReaderAsync("came-back@outbox.example", SubscriberStatus.Unsubscribed);
        await SetUnsubscribedAtAsync(returning, DateTime.UtcNow.AddHours(-1));
        await app.SignUpAsync(returning.Email);
        var confirmation = await app.Smtp.WaitForMessageToAsync(returning.Email);
        Assert.StartsWith("Confirm your subscription", confirmation.Subject);

        // An unconfirmed sign-up whose confirmation waited in the outbox while the reader was unsubscribed (by staff, or
        // by a mailed unsubscribe): leaving is the later word, so the old request is not sent.
        var stale = await AddReaderAsync("left-before-send@outbox.example", SubscriberStatus.Unsubscribed);
        await SetUnsubscribedAtAsync(stale, DateTime.UtcNow.AddMinutes(-1));
        var queued = await QueueAsync(SubscriberEmailKinds.Confirm, stale, createdAt: DateTime.UtcNow.AddMinutes(-5));
        await SendAsync(queued);
        Assert.Equal((TransactionalEmailState.Skipped, "Nothing to send any more."), await StateAsync(queued));
        Assert.False(app.Smtp.AcceptedCount.ContainsKey(stale.Email));
    }

    private Task SetUnsubscribedAtAsync(Subscriber reader, DateTime at) => app.WithDbAsync(db => db.Set<Subscriber>()
        .Where(s => s.Id == reader.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.UnsubscribedAt, at)));

    [Fact]
    public async Task The_same_sign_up_mails_again_only_after_ten_minutes()
    {
        const string email = "window@outbox.example";
        var reader = app.CreateReaderClient();
        Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email })).StatusCode);
        await app.Smtp.WaitForMessageToAsync(email);

        // 9 minutes 50 seconds later: still inside the window, so no second email (nor a second outbox row).
        await AgeEmailsAsync(email, TimeSpan.FromSeconds(9 * 60 + 50));
        Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email })).StatusCode);
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Recipient == email)));

        // 10 minutes 10 seconds after it: the window has passed, and the same submission mails once more.
        await AgeEmailsAsync(email, TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email })).StatusCode);
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Recipient == email)));
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Smtp.AcceptedCount.GetValueOrDefault(email) == 2), "the second confirmation");
    }

    /// <summary>Moves the address's outbox rows back in time, as if they had been queued <paramref name="by"/> earlier.</summary>
    private Task AgeEmailsAsync(string recipient, TimeSpan by) => app.WithDbAsync(async db =>
    {
        foreach (var row in await db.Set<TransactionalEmail>().Where(e => e.Recipient == recipient).ToListAsync()) row.CreatedAt -= by;
        await db.SaveChangesAsync();
    });

    private Task<Subscriber> AddReaderAsync(string email, SubscriberStatus status) => app.WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var reader = new Subscriber
        {
            Email = email, EmailKey = email, Status = status, Frequency = DigestFrequency.Weekly, CreatedAt = now, UpdatedAt = now,
            ConsentAt = now, ConsentSource = "test", ConfirmedAt = status == SubscriberStatus.Unconfirmed ? null : now,
        };
        db.Add(reader);
        await db.SaveChangesAsync();
        return reader;
    });

    /// <summary>An outbox row as the sign-up writes it, queued while the reader was still a reader.</summary>
    private Task<long> QueueAsync(string kind, Subscriber reader, DateTime? createdAt = null) => app.WithDbAsync(async db =>
    {
        var email = new TransactionalEmail { Kind = kind, SubjectId = reader.Id, Recipient = reader.Email, CreatedAt = createdAt ?? DateTime.UtcNow };
        db.Add(email);
        await db.SaveChangesAsync();
        return email.Id;
    });

    /// <summary>Runs the outbox job for one row, as Hangfire does.</summary>
    private async Task SendAsync(long emailId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SendAsync(emailId, CancellationToken.None);
        // The outbox's own sweep may have claimed the row first: wait for whoever has it to finish.
        await NewsletterApp.EventuallyAsync(async () => (await StateAsync(emailId)).State is not (TransactionalEmailState.Pending or TransactionalEmailState.Sending),
            $"outbox row {emailId} to reach an end state");
    }

    private Task<(TransactionalEmailState State, string? LastError)> StateAsync(long emailId) =>
        app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Id == emailId).Select(e => new ValueTuple<TransactionalEmailState, string?>(e.State, e.LastError)).SingleAsync());
}
