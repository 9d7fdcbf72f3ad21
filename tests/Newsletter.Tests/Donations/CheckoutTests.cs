using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>The donor's way to Stripe: the page, the link, the exact request Stripe.net sends, and refusals that never reach Stripe.</summary>
[Collection(HostCollection.Name)]
public sealed class CheckoutTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    [Fact]
    public async Task A_one_time_link_creates_a_payment_session_with_our_metadata_and_redirects_303_to_stripe()
    {
        app.Stripe.Clear();
        var response = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=2500&currency=usd&interval=once&email=ada@lovelace.example&name=Ada&message=Keep%20going");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var request = Assert.Single(app.Stripe.Requests);
        Assert.Equal(("POST", "/v1/checkout/sessions"), (request.Method, request.Path));
        Assert.Equal("Bearer sk_test_fake_0123456789", request.Headers["Authorization"]);
        Assert.Equal("application/x-www-form-urlencoded", request.Headers["Content-Type"].Split(';')[0]);
        var checkout = await app.WithDbAsync(db => db.Set<DonationCheckout>().AsNoTracking().OrderBy(c => c.Id).LastAsync());
        var id = checkout.PublicId.ToString();
        Assert.Equal(new Dictionary<string, string>
        {
            ["cancel_url"] = "http://localhost/donate/cancelled",
            ["client_reference_id"] = id,
            ["customer_email"] = "ada@lovelace.example",
            ["line_items[0][price_data][currency]"] = "usd",
            ["line_items[0][price_data][product_data][name]"] = "Donation to The Test Review",
            ["line_items[0][price_data][unit_amount]"] = "2500",
            ["line_items[0][quantity]"] = "1",
            ["metadata[checkout_id]"] = id,
            ["mode"] = "payment",
            ["payment_intent_data[metadata][checkout_id]"] = id,
            ["submit_type"] = "donate",
            ["success_url"] = "http://localhost/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
        }, request.Form.OrderBy(f => f.Key, StringComparer.Ordinal).ToDictionary());
        // Deterministic, from our own id: a retry of this call can never make a second session.
        Assert.Equal("donation-checkout-" + checkout.PublicId.ToString("N"), request.Headers["Idempotency-Key"]);
        Assert.Equal(Stripe.StripeConfiguration.ApiVersion, request.Headers["Stripe-Version"]);
        Assert.StartsWith("https://checkout.stripe.test/c/pay/cs_test_", response.Headers.Location!.ToString());
        Assert.Equal((2500L, "usd", "once", "Ada", "ada@lovelace.example", "Keep going"), (checkout.Amount, checkout.Currency, checkout.Interval, checkout.DonorName, checkout.DonorEmail, checkout.Message));
        Assert.Equal(response.Headers.Location.Segments[^1], checkout.StripeCheckoutSessionId);
    }

    [Fact]
    public async Task A_monthly_link_creates_a_subscription_session_with_inline_recurring_price_data()
    {
        app.Stripe.Clear();
        var response = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=1000&currency=EUR&interval=month");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var form = Assert.Single(app.Stripe.Requests).Form;
        var id = form["metadata[checkout_id]"];
        Assert.Equal(new Dictionary<string, string>
        {
            ["cancel_url"] = "http://localhost/donate/cancelled",
            ["client_reference_id"] = id,
            ["line_items[0][price_data][currency]"] = "eur",
            ["line_items[0][price_data][product_data][name]"] = "Monthly donation to The Test Review",
            ["line_items[0][price_data][recurring][interval]"] = "month",
            ["line_items[0][price_data][unit_amount]"] = "1000",
            ["line_items[0][quantity]"] = "1",
            ["metadata[checkout_id]"] = id,
            ["mode"] = "subscription",
            // The subscription carries our id too, so its invoices and updates find the checkout.
            ["subscription_data[metadata][checkout_id]"] = id,
            ["success_url"] = "http://localhost/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
        }, form.OrderBy(f => f.Key, StringComparer.Ordinal).ToDictionary());
    }

    [Theory]
    [InlineData("amount=50&currency=usd", "amount")]
    [InlineData("amount=9999999&currency=usd", "amount")]
    [InlineData("amount=abc", "amount")]
    [InlineData("amount=-500", "amount")]
    [InlineData("amount=2500&currency=gbp", "currency")]
    [InlineData("amount=2500&interval=weekly", "interval")]
    [InlineData("amount=2500&email=not-an-address", "email")]
    public async Task A_bad_link_gets_a_400_problem_naming_the_field_and_stripe_is_never_called(string query, string field)
    {
        app.Stripe.Clear();
        var checkoutsBefore = await app.WithDbAsync(db => db.Set<DonationCheckout>().CountAsync());

        var response = await app.CreateReaderClient().GetAsync("/donate/checkout?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem.RootElement}");
        Assert.Empty(app.Stripe.Requests);
        Assert.Equal(checkoutsBefore, await app.WithDbAsync(db => db.Set<DonationCheckout>().CountAsync()));
    }

    [Fact]
    public async Task A_message_longer_than_255_characters_is_refused()
    {
        app.Stripe.Clear();
        var response = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=2500&message=" + new string('x', 256));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(app.Stripe.Requests);
    }

    [Fact]
    public async Task The_donate_page_preselects_from_a_blog_link_and_its_form_goes_to_stripe()
    {
        var reader = app.CreateReaderClient();
        var page = await reader.GetStringAsync("/donate?amount=1000&interval=month");
        Assert.Contains("value=\"1000\" checked", page);
        Assert.Contains("value=\"month\" checked", page);
        Assert.Contains("10.00 USD", page);
        var custom = await reader.GetStringAsync("/donate?amount=1234");
        Assert.Contains("value=\"12.34\"", custom);

        app.Stripe.Clear();
        var posted = await reader.PostAsync("/donate/checkout", new FormUrlEncodedContent([
            new("amount", "500"), new("custom_amount", "42.50"), new("currency", "usd"), new("interval", "once"), new("name", "Grace"), new("email", ""), new("message", "")]));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var form = Assert.Single(app.Stripe.Requests).Form;
        Assert.Equal("4250", form["line_items[0][price_data][unit_amount]"]);
        // Fields the donor left empty are not sent at all (an empty value would clear the field at Stripe).
        Assert.False(form.ContainsKey("customer_email"));

        var bad = await reader.PostAsync("/donate/checkout", new FormUrlEncodedContent([new("custom_amount", "0.10"), new("name", "Grace")]));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badPage = await bad.Content.ReadAsStringAsync();
        Assert.Contains("between 1.00 USD and 5000.00 USD", badPage);
        Assert.Contains("value=\"Grace\"", badPage);
    }

    [Fact]
    public async Task When_stripe_hiccups_the_sdk_retries_with_the_same_idempotency_key_so_one_session_is_made()
    {
        app.Stripe.Clear();
        app.Stripe.FailNext = 1;

        var response = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=2500");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var requests = app.Stripe.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Headers["Idempotency-Key"], requests[1].Headers["Idempotency-Key"]);
        Assert.Equal(requests[0].Body, requests[1].Body);
    }

    [Fact]
    public async Task Our_success_and_cancel_pages_answer()
    {
        var reader = app.CreateReaderClient();
        Assert.Contains("Thank you", await reader.GetStringAsync("/donate/thanks?session_id=cs_test_1"));
        Assert.Contains("nothing was charged", await reader.GetStringAsync("/donate/cancelled"));
    }

    [Fact]
    public async Task The_thanks_page_says_a_gift_went_through_only_once_stripe_said_so()
    {
        var reader = app.CreateReaderClient();
        // Opened without a checkout: nobody is thanked for a gift that never happened.
        var direct = await reader.GetStringAsync("/donate/thanks");
        Assert.Contains("No gift to confirm", direct);
        Assert.DoesNotContain("gone through", direct);

        // Back from Stripe before the webhook: thanks, and the truth that confirmation is pending.
        var checkout = await app.NewCheckoutAsync(1800, email: "thanks-page@example.org");
        var session = StripeEvents.NewId("cs");
        var early = await reader.GetStringAsync($"/donate/thanks?session_id={session}");
        Assert.Contains("waiting for Stripe to confirm your payment", early);
        Assert.DoesNotContain("gone through", early);

        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 1800, paymentIntent: StripeEvents.NewId("pi"))));
        await app.AllEventsAppliedAsync();
        Assert.Contains("Your gift has gone through", await reader.GetStringAsync($"/donate/thanks?session_id={session}"));

        // A payment Stripe reports failed is not thanked as if it went through.
        var failedCheckout = await app.NewCheckoutAsync(1800);
        var failed = StripeEvents.NewId("cs");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.async_payment_failed", StripeEvents.Session(failed, failedCheckout.PublicId, 1800, "unpaid")));
        await app.AllEventsAppliedAsync();
        var refused = await reader.GetStringAsync($"/donate/thanks?session_id={failed}");
        Assert.Contains("The payment did not go through", refused);
        Assert.DoesNotContain("gone through.", refused);
    }
}
