using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

// Sends signed Stripe webhook events (or plain GETs to a reference endpoint) with a fixed concurrency and prints
// throughput and latency. Usage:
//   WebhookLoad --base http://127.0.0.1:5099 --secret whsec_... --requests 20000 --concurrency 32 [--target /healthz]
var options = Args.Parse(args);
var baseUrl = options.GetValueOrDefault("base", "http://127.0.0.1:5099");
var secret = options.GetValueOrDefault("secret", "whsec_bench");
var requests = int.Parse(options.GetValueOrDefault("requests", "20000"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(options.GetValueOrDefault("concurrency", "32"), CultureInfo.InvariantCulture);
var target = options.GetValueOrDefault("target", "/webhooks/stripe");
var label = options.GetValueOrDefault("label", target);
var apiVersion = options.GetValueOrDefault("api-version", "2026-10-28.endive");
var webhook = target == "/webhooks/stripe";
var run = options.GetValueOrDefault("run", Guid.NewGuid().ToString("N")[..8]);

using var client = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = concurrency,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseProxy = false,
})
{ BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

// Warm-up: connections open, JIT done, on both sides.
await RunAsync(Math.Min(500, requests), "warm", _ => { });
var latencies = new long[requests];
var statuses = new int[requests];
var clock = Stopwatch.StartNew();
await RunAsync(requests, run, r => { latencies[r.Index] = r.Ticks; statuses[r.Index] = r.Status; });
var elapsed = clock.Elapsed;

var ok = statuses.Count(s => s == 200);
Array.Sort(latencies);
double Ms(double quantile) => latencies[Math.Min(latencies.Length - 1, (int)(quantile * latencies.Length))] * 1000.0 / Stopwatch.Frequency;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label}: {requests} requests, concurrency {concurrency}, {ok} answered 200 in {elapsed.TotalSeconds:F2} s => {ok / elapsed.TotalSeconds:F0}/s; latency p50 {Ms(0.50):F2} ms, p99 {Ms(0.99):F2} ms, max {Ms(1.0):F2} ms"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {label} {ok / elapsed.TotalSeconds:F0} {Ms(0.50):F2} {Ms(0.99):F2} {requests - ok}"));
return ok == requests ? 0 : 1;

async Task RunAsync(int count, string prefix, Action<(int Index, long Ticks, int Status)> record)
{
    var next = -1;
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < count)
        {
            using var request = webhook ? Signed(prefix, index) : new HttpRequestMessage(HttpMethod.Get, target);
            var started = Stopwatch.GetTimestamp();
            int status;
            try
            {
                using var response = await client.SendAsync(request);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }
            record((index, Stopwatch.GetTimestamp() - started, status));
        }
    });
    await Task.WhenAll(workers);
}

HttpRequestMessage Signed(string prefix, int index)
{
    // A completed checkout session, shaped like Stripe's, each with its own event id.
    var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var payload = "{\"id\":\"evt_bench_" + prefix + "_" + index.ToString(CultureInfo.InvariantCulture) + "\",\"object\":\"event\",\"api_version\":\"" + apiVersion +
        "\",\"created\":" + created.ToString(CultureInfo.InvariantCulture) + ",\"livemode\":false,\"pending_webhooks\":1,\"request\":{\"id\":null,\"idempotency_key\":null}," +
        "\"type\":\"checkout.session.completed\",\"data\":{\"object\":{\"id\":\"cs_bench_" + prefix + "_" + index.ToString(CultureInfo.InvariantCulture) +
        "\",\"object\":\"checkout.session\",\"mode\":\"payment\",\"status\":\"complete\",\"payment_status\":\"paid\",\"amount_total\":2500,\"currency\":\"usd\"," +
        "\"payment_intent\":\"pi_bench_" + prefix + "_" + index.ToString(CultureInfo.InvariantCulture) + "\",\"metadata\":{\"checkout_id\":\"" + Guid.NewGuid() + "\"}}}}";
    var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(created.ToString(CultureInfo.InvariantCulture) + "." + payload));
    var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
    request.Headers.TryAddWithoutValidation("Stripe-Signature", "t=" + created.ToString(CultureInfo.InvariantCulture) + ",v1=" + Convert.ToHexStringLower(mac));
    return request;
}

internal static class Args
{
    public static Dictionary<string, string> Parse(string[] args)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) parsed[args[i].TrimStart('-')] = args[i + 1];
        return parsed;
    }
}
