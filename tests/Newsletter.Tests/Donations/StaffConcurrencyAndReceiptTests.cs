using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>
/// Staff's side and the receipt at the edges: a huge offline gift, the same gift or the same statements posted twice
/// at once, a receipt held by the server while part of the gift is refunded.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class StaffConcurrencyAndReceiptTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    /// <summary>
    /// An offline gift of 40 quadrillion dollars (a typing slip) was recorded, and three of them made every total
    /// overflow: the totals API and the dashboard answered 500 from then on. It is refused, and the totals answer.
    /// </summary>
    [Fact]
    public async Task A_huge_offline_gift_is_refused_and_the_totals_still_answer()
    {
        var staff = app.CreateStaffClient();
        foreach (var reference in new[] { "HUGE-1", "HUGE-2", "HUGE-3" })
        {
            var answer = await staff.PostAsJsonAsync("/api/admin/donations/offline",
                new { date = "2019-06-01", amount = 4_000_000_000_000_000_000L, currency = "usd", email = "huge@example.org", source = "bank", reference });
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains("amount", await answer.Content.ReadAsStringAsync());
        }
        Assert.False(await app.WithDbAsync(db => db.Set<Donation>().AnyAsync(d => d.OfflineReference != null && d.OfflineReference.StartsWith("HUGE-"))));
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/admin/donations/totals?from=2019-01-01&to=2020-01-01")).StatusCode);
    }

    /// <summary>
    /// A receipt held by the server (451) while Stripe partially refunds the gift: the receipt still thanks the donor
    /// for the whole gross amount, with the organisation's tax wording, while the statement for the same gift says the net.
    /// </summary>
    [Fact]
    public async Task A_receipt_sent_after_a_partial_refund_does_not_claim_the_refunded_money()
    {
        const string donor = "partly-refunded@example.org";
        var held = true;
        app.Smtp.DataReply = (_, recipients) => Volatile.Read(ref held) && recipients.Contains(donor) ? "451 4.3.0 Try again later" : null;
        try
        {
            var checkout = await app.NewCheckoutAsync(2000, email: donor);
            var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
            await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 2000, paymentIntent: intent)));
            await app.AllEventsAppliedAsync();
            var donation = (await app.DonationBySessionAsync(session))!.Id;
            await NewsletterApp.EventuallyAsync(async () => await app.WithDbAsync(db => db.Set<TransactionalEmail>().AnyAsync(e =>
                e.Kind == DonationLedger.ReceiptKind && e.SubjectId == donation && e.Attempts >= 1 && e.State == TransactionalEmailState.Pending)), "the receipt refused once");
            await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 2000, 1500)));
            await app.AllEventsAppliedAsync();
            Volatile.Write(ref held, false);
            var receipt = await app.Smtp.WaitForMessageToAsync(donor);
            var text = Mail.Text(receipt);
            Assert.DoesNotContain("20.00 USD", text);
            Assert.Contains("5.00 USD", text);
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }

    /// <summary>Two staff pressing "send statements" at the same moment: one must not get a 500.</summary>
    [Fact]
    public async Task Statements_queued_twice_at_the_same_moment_answer_200_both_times()
    {
        var staff = app.CreateStaffClient();
        for (var i = 0; i < 30; i++)
            Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline",
                new { date = "2018-03-01", amount = 1000, currency = "usd", email = $"stmt{i}@example.org", source = "bank", reference = $"ST-{i}" })).StatusCode);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => staff.PostAsJsonAsync("/api/admin/donations/statements", new { year = 2018 })));
        var bodies = await Task.WhenAll(runs.Select(r => r.Content.ReadAsStringAsync()));
        Assert.True(runs.All(r => r.StatusCode == HttpStatusCode.OK), string.Join(" | ", runs.Select((r, i) => $"{(int)r.StatusCode} {bodies[i]}")));
        // One statement per donor, whoever queued it.
        var keys = Enumerable.Range(0, 30).Select(i => AnnualStatements.OnceKey(2018, $"stmt{i}@example.org")).ToList();
        Assert.Equal(30, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonationStatementComposer.StatementKind && keys.Contains(e.OnceKey!))));
    }

    /// <summary>The same offline gift posted twice at once (a double click): the second must not be a 500.</summary>
    [Fact]
    public async Task The_same_offline_gift_posted_twice_at_once_is_recorded_once_without_a_500()
    {
        var staff = app.CreateStaffClient();
        for (var round = 0; round < 5; round++)
        {
            var gift = new { date = "2017-03-01", amount = 1000, currency = "usd", email = "twice@example.org", source = "cheque", reference = $"DBL-{round}" };
            var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => staff.PostAsJsonAsync("/api/admin/donations/offline", gift)));
            Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"round {round}: {(int)a.StatusCode}"));
            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        }
        Assert.Equal(5, await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.Source == "cheque" && d.OfflineReference!.StartsWith("DBL-"))));
    }
}
