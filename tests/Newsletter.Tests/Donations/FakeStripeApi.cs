using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Newsletter.Tests.Donations;

/// <summary>
/// A local stand-in for the parts of Stripe's API the service calls (create Checkout Session, cancel a subscription), on Kestrel at
/// 127.0.0.1. It records every request exactly as Stripe.net sent it (path, headers, form-encoded body) and answers
/// like Stripe, including idempotency: a repeated key gets the first answer back.
/// </summary>
public sealed class FakeStripeApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _byIdempotencyKey = new();
    private int _sessions;

    public FakeStripeApi()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/checkout/sessions", CreateSession);
        _app.MapDelete("/v1/subscriptions/{id}", CancelSubscription);
        _app.StartAsync().GetAwaiter().GetResult();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    /// <summary>http://127.0.0.1:port, for Stripe:ApiBase.</summary>
    public string BaseUrl { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>How many of the next requests to answer with a retryable 500 (as Stripe does on a hiccup).</summary>
    public int FailNext;

    public void Clear() => Requests.Clear();

    /// <summary>Subscriptions the fake does not know (answered 404 resource_missing, as Stripe does).</summary>
    public ConcurrentDictionary<string, bool> MissingSubscriptions { get; } = new();

    /// <summary>Answers the next cancellations with a non-retryable 400 (Stripe refusing), while this is above zero.</summary>
    public int RefuseCancellations;

    private async Task CancelSubscription(HttpContext http, string id)
    {
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue(new RecordedRequest(http.Request.Method, http.Request.Path, headers, await new StreamReader(http.Request.Body).ReadToEndAsync(), http.Request.QueryString.Value ?? string.Empty));
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

    private async Task CreateSession(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue(new RecordedRequest(http.Request.Method, http.Request.Path, headers, body));
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

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One request as it reached the fake: the body is the exact form-encoded text.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, string Query = "")
{
    public IReadOnlyDictionary<string, string> Form => Parse(Body);

    public static Dictionary<string, string> Parse(string body) => body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.Length > 1 ? p[1] : string.Empty));
}
