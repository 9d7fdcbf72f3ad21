using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// A stranger who signs up an unsubscribed reader's address changes nothing about them and puts no text of theirs in
/// the mail; the opt-out outlives its row as a tombstone that imports respect; only the owner's confirmation undoes it.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SubscriberResetTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private const string Victim = "victim@reset.example";

    [Fact]
    public async Task A_strangers_sign_up_leaves_an_unsubscribed_reader_unsubscribed_with_their_own_details_until_they_confirm()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = Victim, name = "Vic Tim", frequency = "weekly" });
        var first = await app.Smtp.WaitForMessageToAsync(Victim);
        await reader.PostAsync(Mail.Link(first, "/confirm/"), new FormUrlEncodedContent([]));
        await reader.PostAsync(await app.UnsubscribeLinkAsync(Victim), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        var before = await FindAsync(Victim);
        Assert.Equal(SubscriberStatus.Unsubscribed, before.Status);
        await app.Smtp.WaitForMessageToAsync(Victim, m => m.Subject?.Contains("unsubscribed", StringComparison.Ordinal) == true);
        app.Smtp.Clear();
        // Weeks pass (one confirmation mail per address per ten minutes is the rule against floods).
        await app.WithDbAsync(db => db.Set<Newsletter.Email.TransactionalEmail>().Where(e => e.Recipient == Victim)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.CreatedAt, DateTime.UtcNow.AddDays(-30))));

        var stranger = app.CreateReaderClient();
        stranger.DefaultRequestHeaders.UserAgent.ParseAdd("MalloryBot/1.0");
        var posted = await stranger.PostAsync("/subscribe", new FormUrlEncodedContent([
            new("email", Victim), new("name", "Mallory: claim your prize at evil.example"), new("frequency", "daily")]));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);

        var after = await FindAsync(Victim);
        Assert.Equal(SubscriberStatus.Unsubscribed, after.Status);
        Assert.Equal(("Vic Tim", DigestFrequency.Weekly), (after.Name, after.Frequency));
        Assert.Equal((before.ConsentAt, before.ConsentSource, before.ConsentIp, before.ConsentUserAgent), (after.ConsentAt, after.ConsentSource, after.ConsentIp, after.ConsentUserAgent));
        // The owner hears about it, in our words only.
        var mail = await app.Smtp.WaitForMessageToAsync(Victim, m => m.Subject?.Contains("Confirm", StringComparison.Ordinal) == true);
        Assert.DoesNotContain("Mallory", mail.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("evil.example", mail.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(string.IsNullOrEmpty(mail.To.Mailboxes.Single().Name));

        // A week later the purge of unconfirmed sign-ups does not touch them: they never became unconfirmed.
        await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == Victim).ExecuteUpdateAsync(s => s.SetProperty(x => x.ConsentAt, DateTime.UtcNow.AddDays(-8))));
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<UnconfirmedPurgeJob>().RunAsync(CancellationToken.None);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await FindAsync(Victim)).Status);
        // A "confirmed" import does not bring them back either.
        Assert.Equal(0, (await ImportAsync($"email,status\n{Victim},confirmed\n")).Imported);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await FindAsync(Victim)).Status);

        // The owner confirms from their own inbox: back, with their own details, and this confirmation as consent.
        var confirmed = await reader.PostAsync(Mail.Link(mail, "/confirm/"), new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var back = await FindAsync(Victim);
        Assert.Equal((SubscriberStatus.Confirmed, "Vic Tim", DigestFrequency.Weekly, "confirm link"), (back.Status, back.Name, back.Frequency, back.ConsentSource));
    }

    [Fact]
    public async Task An_opt_out_outlives_its_row_and_a_confirmed_import_does_not_subscribe_the_address_again()
    {
        const string address = "gone-but-opted-out@reset.example";
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = address });
        var first = await app.Smtp.WaitForMessageToAsync(address);
        await reader.PostAsync(Mail.Link(first, "/confirm/"), new FormUrlEncodedContent([]));
        await reader.PostAsync(await app.UnsubscribeLinkAsync(address), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        // The row goes (a restore from an old backup, a purge before this fix, a script): the opt-out must not.
        await app.WithDbAsync(async db =>
        {
            var id = await db.Set<Subscriber>().Where(s => s.EmailKey == address).Select(s => s.Id).SingleAsync();
            await db.Set<SubscriberEvent>().Where(e => e.SubscriberId == id).ExecuteDeleteAsync();
            return await db.Set<Subscriber>().Where(s => s.Id == id).ExecuteDeleteAsync();
        });
        var report = await ImportAsync($"email\n{address}\nfresh@reset.example\n");
        Assert.Equal((1, 1), (report.Imported, report.Rejected));
        Assert.Contains("unsubscribed", report.Errors.Single().Reason);
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == address)));

        // A row reset to unconfirmed by the old sign-up leaves a tombstone when the purge deletes it.
        const string reset = "reset-by-old-code@reset.example";
        await app.WithDbAsync(async db =>
        {
            var old = DateTime.UtcNow.AddDays(-8);
            var row = new Subscriber { Email = reset, EmailKey = reset, Status = SubscriberStatus.Unconfirmed, CreatedAt = old, UpdatedAt = old, ConsentAt = old, ConsentSource = "form" };
            db.Add(row);
            await db.SaveChangesAsync();
            db.Add(new SubscriberEvent { SubscriberId = row.Id, At = old, Kind = "unsubscribed", Detail = "one-click" });
            return await db.SaveChangesAsync();
        });
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<UnconfirmedPurgeJob>().RunAsync(CancellationToken.None);
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == reset)));
        Assert.Equal(1, (await ImportAsync($"email\n{reset}\n")).Rejected);

        // The owner signs up and confirms: the tombstone is lifted, and a later import may update them like anyone.
        await reader.PostAsJsonAsync("/api/subscribers", new { email = address });
        var again = await app.Smtp.WaitForMessageToAsync(address, m => m.Subject?.Contains("Confirm", StringComparison.Ordinal) == true && m != first);
        await reader.PostAsync(Mail.Link(again, "/confirm/"), new FormUrlEncodedContent([]));
        Assert.Equal(SubscriberStatus.Confirmed, (await FindAsync(address)).Status);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var hash = scope.ServiceProvider.GetRequiredService<SuppressionList>().HashOf(address);
            Assert.False(await app.WithDbAsync(db => db.Set<UnsubscribeTombstone>().AnyAsync(t => t.AddressHash == hash)));
        }
        Assert.Equal(0, (await ImportAsync($"email\n{address}\n")).Rejected);
    }

    private Task<Subscriber> FindAsync(string key) => app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleAsync(s => s.EmailKey == key));

    private async Task<ImportReport> ImportAsync(string csv)
    {
        var response = await app.CreateStaffClient().PostAsync("/api/admin/subscribers/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ImportReport>())!;
    }
}
