using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>
/// The receipt is decided when it goes out, not when it is queued: a gift refunded or disputed while its receipt waits
/// (here the mail server answers 451 until the refund and the dispute are in) is never thanked; a gift that stays paid is.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ReceiptTimingTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    [Fact]
    public async Task A_gift_refunded_or_disputed_before_its_receipt_goes_out_gets_no_receipt_and_one_still_paid_gets_one()
    {
        string[] donors = ["refunded-soon@example.org", "disputed-soon@example.org", "still-paid@example.org"];
        var held = true;
        app.Smtp.DataReply = (_, recipients) => Volatile.Read(ref held) && recipients.Any(donors.Contains) ? "451 4.3.0 Try again later" : null;
        try
        {
            var intents = new List<string>();
            var donations = new List<long>();
            foreach (var donor in donors)
            {
                var checkout = await app.NewCheckoutAsync(2000, email: donor);
                var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
                await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 2000, paymentIntent: intent)));
                await app.AllEventsAppliedAsync();
                intents.Add(intent);
                donations.Add((await app.DonationBySessionAsync(session))!.Id);
            }
            // Each receipt has been tried once and waits for its retry.
            await NewsletterApp.EventuallyAsync(async () => await ReceiptsAsync(donations) is { Count: 3 } rows && rows.All(r => r.Attempts >= 1 && r.State == TransactionalEmailState.Pending),
                "every receipt to be refused once and wait for a retry");

            await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intents[0], 2000, 2000)));
            await app.DeliverOkAsync(StripeEvents.Event("charge.dispute.created", StripeEvents.Dispute(intents[1], 2000, "needs_response")));
            await app.AllEventsAppliedAsync();
            Volatile.Write(ref held, false);

            await NewsletterApp.EventuallyAsync(async () => (await ReceiptsAsync(donations)).All(r => r.State is not (TransactionalEmailState.Pending or TransactionalEmailState.Sending)),
                "every receipt to reach an end state");
            var receipts = await ReceiptsAsync(donations);
            Assert.Equal(TransactionalEmailState.Skipped, receipts.Single(r => r.SubjectId == donations[0]).State);
            Assert.Equal(TransactionalEmailState.Skipped, receipts.Single(r => r.SubjectId == donations[1]).State);
            Assert.Equal(TransactionalEmailState.Sent, receipts.Single(r => r.SubjectId == donations[2]).State);
            Assert.False(app.Smtp.AcceptedCount.ContainsKey(donors[0]));
            Assert.False(app.Smtp.AcceptedCount.ContainsKey(donors[1]));
            Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(donors[2]));
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
    }

    private Task<List<TransactionalEmail>> ReceiptsAsync(List<long> donations) => app.WithDbAsync(db =>
        db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.Kind == DonationLedger.ReceiptKind && donations.Contains(e.SubjectId)).ToListAsync());
}
