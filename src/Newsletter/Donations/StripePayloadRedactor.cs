using System.Text.Json;
using System.Text.Json.Nodes;

namespace Newsletter.Donations;

/// <summary>
/// Cuts a Stripe event down to what the books need: ids, types, amounts, currencies, states and times, and our own
/// checkout id from the metadata. Names, emails, addresses, phone numbers, descriptions and any other metadata go.
/// A redacted event still applies to the ledger exactly as before, minus the donor (a staff retry of a failed event
/// works on it). An allow-list, so a field Stripe adds tomorrow is dropped rather than kept.
/// </summary>
public static class StripePayloadRedactor
{
    private static readonly HashSet<string> KeptScalars = new(StringComparer.Ordinal)
    {
        "id", "object", "type", "api_version", "created", "livemode", "currency", "mode", "status", "payment_status",
        "payment_intent", "subscription", "invoice", "charge", "billing_reason", "interval", "interval_count",
        "unit_amount", "canceled_at", "ended_at", "cancel_at", "reason", "refunded", "paid", "start", "end",
        // An ignored event applied later (its subscription or session became ours) is applied from this copy: the
        // plan's amount is price × quantity, a paused collection is a paused plan, and a session names its Payment Link
        // and customer (ids, not personal data).
        "quantity", "behavior", "resumes_at", "customer", "payment_link",
        StripeEventApplier.CheckoutIdKey,
    };

    private static readonly HashSet<string> KeptContainers = new(StringComparer.Ordinal)
    {
        "data", "object", "parent", "subscription_details", "payments", "payment", "items", "price", "recurring", "lines", "period", "metadata",
        "pause_collection",
    };

    public static string Redact(string payload)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            // Not JSON (never stored so, but be safe): nothing of it is worth keeping.
            return "{}";
        }
        return (Keep(root) ?? new JsonObject()).ToJsonString();
    }

    private static JsonNode? Keep(JsonNode? node) => node switch
    {
        JsonObject obj => KeepObject(obj),
        JsonArray array => new JsonArray(array.Select(Keep).Where(n => n is not null).ToArray()),
        _ => node?.DeepClone(),
    };

    private static JsonObject KeepObject(JsonObject obj)
    {
        var kept = new JsonObject();
        foreach (var (key, value) in obj)
        {
            var scalar = value is null or JsonValue;
            if (scalar && (KeptScalars.Contains(key) || key.StartsWith("amount", StringComparison.Ordinal))) kept[key] = value?.DeepClone();
            else if (!scalar && KeptContainers.Contains(key)) kept[key] = Keep(value);
        }
        return kept;
    }
}
