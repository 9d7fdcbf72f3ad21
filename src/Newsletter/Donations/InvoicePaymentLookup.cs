using System.Text.Json;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// Which payment intent paid an invoice. Refunds and disputes name only the payment intent, and since the 2025 "basil"
/// API an invoice lists its payments only when asked (<c>payments</c> is not in webhook payloads by default), so a
/// monthly payment's refund would find nothing. The payload is read first (basil's <c>payments</c>, or the older
/// <c>payment_intent</c>); otherwise Stripe is asked: <c>GET /v1/invoice_payments?invoice=in_...&amp;status=paid</c>.
/// </summary>
public sealed class InvoicePaymentLookup(IStripeClient stripe)
{
    /// <summary>The payment intent the event's payload names, if it names one (<paramref name="payload"/> is the whole event).</summary>
    public static string? FromPayload(Invoice invoice, string payload)
    {
        var listed = invoice.Payments?.Data?.Select(p => p.Payment?.PaymentIntentId).FirstOrDefault(id => id is not null);
        if (listed is not null) return listed;
        using var json = JsonDocument.Parse(payload);
        return json.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var invoiceJson)
            && invoiceJson.TryGetProperty("payment_intent", out var older) && older.ValueKind == JsonValueKind.String ? older.GetString() : null;
    }

    /// <summary>Asks Stripe; null when the invoice was paid without a payment intent (paid out of band, credit balance).</summary>
    /// <exception cref="StripeException">Stripe refused (out of reach: the HTTP client's own exception, see <see cref="StripeErrors"/>); the event is retried.</exception>
    public async Task<string?> PaymentIntentOfAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var payments = await new InvoicePaymentService(stripe).ListAsync(new InvoicePaymentListOptions { Invoice = invoiceId, Status = "paid", Limit = 10 },
            cancellationToken: cancellationToken);
        return payments.Data.Where(p => p.Payment?.Type == "payment_intent").Select(p => p.Payment.PaymentIntentId).FirstOrDefault(id => id is not null);
    }
}
