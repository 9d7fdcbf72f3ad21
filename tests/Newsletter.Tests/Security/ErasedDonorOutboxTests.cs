using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// After a donor is erased, no row of the transactional outbox may still carry their address: the manage-link email
/// they asked for at /donate/manage (and that was already sent) included.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ErasedDonorOutboxTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    [Fact]
    public async Task An_erased_donor_leaves_no_sent_manage_link_email_with_their_address_in_the_outbox()
    {
        const string email = "forget-me@donor.example";
        var checkout = await app.NewCheckoutAsync(2500, email: email, name: "Forget Me");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed",
            StripeEvents.Session(StripeEvents.NewId("cs"), checkout.PublicId, 2500, paymentIntent: StripeEvents.NewId("pi"), email: email)));
        await app.AllEventsAppliedAsync();
        await app.Smtp.WaitForMessageToAsync(email);

        // The donor asks for their manage link; it is sent.
        var reader = app.CreateReaderClient();
        Assert.Equal(HttpStatusCode.OK, (await reader.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", email)]))).StatusCode);
        await app.Smtp.WaitForMessageToAsync(email, m => m.Subject!.StartsWith("Your gifts to", StringComparison.Ordinal));
        await NewsletterApp.EventuallyAsync(() => app.WithDbAsync(db => db.Set<TransactionalEmail>()
            .AnyAsync(e => e.Kind == DonorPortal.ManageLinkKind && e.Recipient == email && e.State == TransactionalEmailState.Sent)), "the manage link sent");

        var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsJsonAsync("/api/admin/people/erase", new { email })).StatusCode);

        var left = await app.WithDbAsync(db => db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.Recipient == email).Select(e => e.Kind + " " + e.State).ToListAsync());
        Assert.True(left.Count == 0, "outbox rows still naming the erased donor: " + string.Join(", ", left));
        var listed = await staff.GetStringAsync("/api/admin/outbox?state=sent");
        Assert.DoesNotContain(email, listed);
    }
}
