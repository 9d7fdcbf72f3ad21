using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Newsletter.Tests.Donations;

/// <summary>
/// Builds Stripe webhook events the way Stripe sends them (API 2026-10-28 shapes) and signs them with Stripe's
/// scheme, computed here independently of Stripe.net: <c>t=timestamp,v1=hex(HMAC-SHA256(secret, "t.payload"))</c>.
/// </summary>
public static class StripeEvents
{
    public const string Secret = "whsec_test_0123456789abcdefghijklmnopqrstuv";

    private static int _sequence;

    public static string NewId(string prefix) => $"{prefix}_{Interlocked.Increment(ref _sequence):D8}{Guid.NewGuid():N}"[..(prefix.Length + 25)];

    public static string Event(string type, object dataObject, string? id = null, DateTimeOffset? created = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = id ?? NewId("evt"),
        ["object"] = "event",
        ["api_version"] = Stripe.StripeConfiguration.ApiVersion,
        ["created"] = (created ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["request"] = new { id = (string?)null, idempotency_key = (string?)null },
        ["type"] = type,
        ["data"] = new { @object = dataObject },
    });

    public static string Signature(string payload, DateTimeOffset? at = null, string secret = Secret)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    public static object Session(string sessionId, Guid? checkoutId, long amount, string paymentStatus = "paid", string mode = "payment",
        string? paymentIntent = null, string? subscription = null, string? invoice = null, string currency = "usd", string? email = null,
        string? paymentLink = null, string? customer = null, string? name = null) => new Dictionary<string, object?>
    {
        ["id"] = sessionId,
        ["object"] = "checkout.session",
        ["mode"] = mode,
        ["status"] = "complete",
        ["payment_status"] = paymentStatus,
        ["amount_total"] = amount,
        ["currency"] = currency,
        ["payment_intent"] = paymentIntent,
        ["subscription"] = subscription,
        ["invoice"] = invoice,
        ["metadata"] = checkoutId is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["checkout_id"] = checkoutId.Value.ToString() },
        ["customer_details"] = email is null && name is null ? null : new { email, name },
        ["payment_link"] = paymentLink,
        ["customer"] = customer,
    };

    public static object Invoice(string invoiceId, string subscriptionId, Guid? checkoutId, long amount, bool paid = true, string? paymentIntent = null, string currency = "usd",
        string? customer = null, string? email = null) => new Dictionary<string, object?>
    {
        ["customer"] = customer,
        ["customer_email"] = email,
        ["id"] = invoiceId,
        ["object"] = "invoice",
        ["status"] = paid ? "paid" : "open",
        ["amount_paid"] = paid ? amount : 0,
        ["amount_due"] = amount,
        ["currency"] = currency,
        ["billing_reason"] = "subscription_cycle",
        ["parent"] = new Dictionary<string, object?>
        {
            ["type"] = "subscription_details",
            ["subscription_details"] = new Dictionary<string, object?>
            {
                ["subscription"] = subscriptionId,
                ["metadata"] = checkoutId is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["checkout_id"] = checkoutId.Value.ToString() },
            },
        },
        ["payments"] = new
        {
            @object = "list",
            data = paymentIntent is null ? Array.Empty<object>() : [new { id = NewId("inpay"), @object = "invoice_payment", payment = new { type = "payment_intent", payment_intent = paymentIntent } }],
        },
    };

    public static object Subscription(string subscriptionId, Guid? checkoutId, string status, long amount = 1000, DateTimeOffset? canceledAt = null,
        string? customer = null, bool collectionPaused = false, long quantity = 1, string interval = "month", int intervalCount = 1) => new Dictionary<string, object?>
    {
        ["customer"] = customer,
        ["pause_collection"] = collectionPaused ? new { behavior = "void", resumes_at = (long?)null } : null,
        ["id"] = subscriptionId,
        ["object"] = "subscription",
        ["status"] = status,
        ["currency"] = "usd",
        ["canceled_at"] = canceledAt?.ToUnixTimeSeconds(),
        ["metadata"] = checkoutId is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["checkout_id"] = checkoutId.Value.ToString() },
        ["items"] = new
        {
            @object = "list",
            data = new[] { new { id = NewId("si"), @object = "subscription_item", quantity, price = new { id = NewId("price"), @object = "price", unit_amount = amount, currency = "usd", recurring = new { interval, interval_count = intervalCount } } } },
        },
    };

    public static object Charge(string paymentIntent, long amount, long refunded) => new Dictionary<string, object?>
    {
        ["id"] = NewId("ch"),
        ["object"] = "charge",
        ["amount"] = amount,
        ["amount_refunded"] = refunded,
        ["refunded"] = refunded >= amount,
        ["currency"] = "usd",
        ["payment_intent"] = paymentIntent,
    };

    public static object Dispute(string paymentIntent, long amount, string status) => new Dictionary<string, object?>
    {
        ["id"] = NewId("dp"),
        ["object"] = "dispute",
        ["amount"] = amount,
        ["currency"] = "usd",
        ["charge"] = NewId("ch"),
        ["payment_intent"] = paymentIntent,
        ["status"] = status,
        ["reason"] = "fraudulent",
    };
}
