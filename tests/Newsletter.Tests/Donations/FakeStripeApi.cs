using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>
/// A local stand-in for the parts of Stripe's API the service calls (create a Checkout Session, create a Billing Portal
/// session, list an invoice's payments, cancel a subscription), on Kestrel at 127.0.0.1. It records every request
/// exactly as Stripe.net sent it (path, query, headers, form-encoded body) and answers like Stripe, including
/// idempotency: a repeated key gets the first answer back; unknown paths get Stripe's 404 error shape.
/// </summary>
public sealed class FakeStripeApi : IAsyncDisposable
{
    private readonly LocalHttpServer _server;
    private readonly ConcurrentDictionary<string, string> _byIdempotencyKey = new();
    private int _sessions;
    private int _portalSessions;

    public FakeStripeApi()
    {
        _server = new LocalHttpServer(app =>
        {
            // Stripe unreachable (the connection dropped before any answer) or hung (no answer until the caller gives up).
            app.Use(async (http, next) =>
            {
                if (!Down && !Hung)
                {
                    await next(http);
                    return;
                }
                await RecordAsync(http);
                if (Down)
                {
                    http.Abort();
                    return;
                }
                try { await Task.Delay(Timeout.Infinite, http.RequestAborted); }
                catch (OperationCanceledException) { }
            });
            app.MapPost("/v1/checkout/sessions", CreateSession);
            app.MapPost("/v1/billing_portal/sessions", CreatePortalSession);
            app.MapGet("/v1/invoice_payments", ListInvoicePayments);
            app.MapDelete("/v1/subscriptions/{id}", CancelSubscription);
            app.MapFallback(async http =>
            {
                await RecordAsync(http);
                http.Response.StatusCode = 404;
                await http.Response.WriteAsJsonAsync(new { error = new { type = "invalid_request_error", message = $"Unrecognized request URL ({http.Request.Method}: {http.Request.Path})." } });
            });
        });
    }

    /// <summary>http://127.0.0.1:port, for Stripe:ApiBase.</summary>
    public string BaseUrl => _server.BaseUrl;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>How many of the next requests to answer with a retryable 500 (as Stripe does on a hiccup).</summary>
    public int FailNext;

    /// <summary>While true, every request's connection is dropped without an answer: Stripe cannot be reached.</summary>
    public volatile bool Down;

    /// <summary>While true, every request waits without an answer until the caller gives up: Stripe hangs.</summary>
    public volatile bool Hung;

    /// <summary>Which payment intent paid which invoice, as Stripe's invoice_payments list would say (tests register them).</summary>
    public ConcurrentDictionary<string, string> InvoicePayments { get; } = new();

    public void Clear() => Requests.Clear();

    /// <summary>Subscriptions the fake does not know (answered 404 resource_missing, as Stripe does).</summary>
    public ConcurrentDictionary<string, bool> MissingSubscriptions { get; } = new();

    /// <summary>Answers the next cancellations with a non-retryable 400 (Stripe refusing), while this is above zero.</summary>
    public int RefuseCancellations;

    private async Task CancelSubscription(HttpContext http, string id)
    {
        await RecordAsync(http);
        if (MissingSubscriptions.ContainsKey(id))
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsJsonAsync(new { error = new { type = "invalid_request_error", code = "resource_missing", message = $"No such subscription: '{id}'" } });
            return;
        }
        if (Interlocked.Decrement(ref RefuseCancellations) >= 0)
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsJsonAsync(new { error = new { type = "invalid_request_error", code = "subscription_locked", message = "The subscription cannot be changed now." } });
            return;
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = id, ["object"] = "subscription", ["status"] = "canceled", ["currency"] = "usd", ["livemode"] = false,
            ["canceled_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["ended_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        }));
    }

    private async Task<RecordedRequest> RecordAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(http.Request.Method, http.Request.Path, headers, body, http.Request.QueryString.Value?.TrimStart('?') ?? string.Empty);
        Requests.Enqueue(request);
        return request;
    }

    private async Task CreatePortalSession(HttpContext http)
    {
        var form = (await RecordAsync(http)).Form;
        if (!form.TryGetValue("customer", out var customer) || !customer.StartsWith("cus_", StringComparison.Ordinal))
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsJsonAsync(new { error = new { type = "invalid_request_error", code = "parameter_missing", param = "customer", message = "Missing required param: customer." } });
            return;
        }
        var id = $"bps_test_{Interlocked.Increment(ref _portalSessions):D6}";
        await http.Response.WriteAsJsonAsync(new Dictionary<string, object?>
        {
            ["id"] = id,
            ["object"] = "billing_portal.session",
            ["configuration"] = form.GetValueOrDefault("configuration") ?? "bpc_test_default",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["customer"] = customer,
            ["flow"] = null,
            ["livemode"] = false,
            ["locale"] = null,
            ["on_behalf_of"] = null,
            ["return_url"] = form.GetValueOrDefault("return_url"),
            ["url"] = $"https://billing.stripe.test/p/session/{id}",
        });
    }

    /// <summary>GET /v1/invoice_payments?invoice=in_...&amp;status=paid: the registered payment, or an empty list.</summary>
    private async Task ListInvoicePayments(HttpContext http)
    {
        await RecordAsync(http);
        var invoice = http.Request.Query["invoice"].ToString();
        var data = InvoicePayments.TryGetValue(invoice, out var intent)
            ? new object[]
            {
                new Dictionary<string, object?>
                {
                    ["id"] = "inpay_" + invoice, ["object"] = "invoice_payment", ["invoice"] = invoice, ["is_default"] = true, ["status"] = "paid",
                    ["amount_paid"] = 1000, ["amount_requested"] = 1000, ["currency"] = "usd", ["livemode"] = false,
                    ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["payment"] = new Dictionary<string, object?> { ["type"] = "payment_intent", ["payment_intent"] = intent },
                },
            }
            : [];
        await http.Response.WriteAsJsonAsync(new Dictionary<string, object?>
        {
            ["object"] = "list", ["data"] = data, ["has_more"] = false, ["url"] = "/v1/invoice_payments",
        });
    }

    private async Task CreateSession(HttpContext http)
    {
        var request = await RecordAsync(http);
        var (body, headers) = (request.Body, request.Headers);
        if (Interlocked.Decrement(ref FailNext) >= 0)
        {
            http.Response.StatusCode = 500;
            http.Response.Headers["Stripe-Should-Retry"] = "true";
            await http.Response.WriteAsJsonAsync(new { error = new { type = "api_error", message = "Something went wrong on Stripe's end." } });
            return;
        }
        var key = headers.GetValueOrDefault("Idempotency-Key") ?? Guid.NewGuid().ToString();
        var json = _byIdempotencyKey.GetOrAdd(key, _ =>
        {
            var form = RecordedRequest.Parse(body);
            var id = $"cs_test_{Interlocked.Increment(ref _sessions):D6}";
            return JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["id"] = id,
                ["object"] = "checkout.session",
                ["mode"] = form.GetValueOrDefault("mode"),
                ["status"] = "open",
                ["payment_status"] = "unpaid",
                ["currency"] = form.GetValueOrDefault("line_items[0][price_data][currency]"),
                ["amount_total"] = long.Parse(form.GetValueOrDefault("line_items[0][price_data][unit_amount]") ?? "0"),
                ["client_reference_id"] = form.GetValueOrDefault("client_reference_id"),
                ["metadata"] = form.Where(f => f.Key.StartsWith("metadata[")).ToDictionary(f => f.Key[9..^1], f => f.Value),
                ["url"] = $"https://checkout.stripe.test/c/pay/{id}",
                ["livemode"] = false,
            });
        });
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(json);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>One request as it reached the fake: the body (and the query of a GET) is the exact form-encoded text.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, string Query = "")
{
    public IReadOnlyDictionary<string, string> Form => Parse(Body);

    public IReadOnlyDictionary<string, string> QueryForm => Parse(Query);

    public static Dictionary<string, string> Parse(string body) => body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.Length > 1 ? p[1] : string.Empty));
}
