using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Newsletter.Tests.Support;

// The fault run: READERS readers through the real Host (a child process) into an SMTP server that refuses 1% of readers
// with a 451 (once each), 0.5% with a 550 5.1.1, and answers "421 ... closing" and hangs up after every 400th message;
// the Host is SIGKILLed once mid-send and started again. Prints lost=, duplicates=, unknown= and the bound on unknown.
var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--")).ToDictionary(x => x.a[2..], x => args[x.i + 1]);
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
var readers = int.Parse(Option("readers", "100000"));
var connections = int.Parse(Option("connections", "8"));
var window = int.Parse(Option("window", "10"));
var killAfter = int.Parse(Option("kill-after", (readers / 3).ToString()));
var hostDll = Option("host", "src/Newsletter.Host/bin/Release/net10.0/Newsletter.Host.dll");
const string ApiKey = "fault-bench-staff-api-key-0123456789abcdef";

string Reader(int i) => $"reader{i}@bench.example";
var deferOnce = Enumerable.Range(1, readers).Where(i => i % 100 == 7).Select(Reader).ToHashSet();   // 1%
var refused = Enumerable.Range(1, readers).Where(i => i % 200 == 13).Select(Reader).ToHashSet();    // 0.5%
var deferred = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
// The refused readers never have a copy accepted, so a later kill point would never come.
if (killAfter < 1 || killAfter >= readers - refused.Count)
{
    Console.Error.WriteLine($"--kill-after must be between 1 and {readers - refused.Count - 1}: the server accepts at most {readers - refused.Count} of {readers} readers (0.5% are refused).");
    return 2;
}

await using var smtp = new TestSmtpServer { KeepMessages = false };
smtp.Script = m => m.Stage switch
{
    SmtpStage.Rcpt when refused.Contains(m.Address!) => new SmtpAction.Reply($"550 5.1.1 <{m.Address}>: Recipient address rejected: User unknown"),
    SmtpStage.Rcpt when deferOnce.Contains(m.Address!) && deferred.TryAdd(m.Address!, true) => new SmtpAction.Reply($"451 4.7.1 <{m.Address}>: Greylisted, try again later"),
    SmtpStage.EndOfData when m.Message % 400 == 0 => new SmtpAction.ReplyAndClose("421 4.7.0 Try again later, closing connection"),
    _ => null,
};

var data = Directory.CreateTempSubdirectory("newsletter-faultbench-").FullName;
var settings = new Dictionary<string, string>
{
    ["DataDirectory"] = data,
    ["Site__BaseUrl"] = "https://news.bench.example",
    ["Site__PostalAddress"] = "1 Bench Street, Benchville",
    ["Email__Transport"] = "Smtp",
    ["Email__FromAddress"] = "news@bench.example",
    ["Email__Smtp__Host"] = "127.0.0.1",
    ["Email__Smtp__Port"] = smtp.Port.ToString(),
    ["Email__Smtp__Security"] = "None",
    ["Email__Smtp__ReconnectDelay"] = "00:00:00.100",
    ["Security__StaffApiKey"] = ApiKey,
    ["RateLimiting__PublicWritesPerMinute"] = "100000",
    ["Digests__DailyCron"] = "",
    ["Digests__WeeklyCron"] = "",
    ["Digests__SweepCron"] = "*/5 * * * * *",
    ["Digests__RetryDelay"] = "00:00:05",
    ["Digests__SendingLease"] = "00:00:20",
    ["Digests__Connections"] = connections.ToString(),
    ["Digests__ClaimWindow"] = window.ToString(),
    ["Logging__LogLevel__Default"] = "Warning",
};

var host = await StartAsync();
var staff = Client(host.Url);
var csv = new StringBuilder("email,name,frequency\n");
for (var i = 1; i <= readers; i++) csv.Append($"{Reader(i)},Reader {i},daily\n");
(await staff.PostAsync("/api/admin/subscribers/import?mode=confirmed", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
(await staff.PutAsJsonAsync("/api/articles/fault-1", new { title = "The fault run", link = "https://blog.bench.example/fault-1", publishedAt = DateTime.UtcNow.AddMinutes(-1), summary = "<p>A paragraph.</p>", categories = new[] { "books" } })).EnsureSuccessStatusCode();
var clock = Stopwatch.StartNew();
var sent = await (await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" })).Content.ReadFromJsonAsync<JsonElement>();
var issue = sent.GetProperty("id").GetInt64();

while (smtp.AcceptedCount.Count < killAfter) await Task.Delay(20);
host.Process.Kill();
host.Process.WaitForExit();
Console.WriteLine($"RESULT killed_at_seconds={clock.Elapsed.TotalSeconds:F1} accepted_before_kill={smtp.AcceptedCount.Count}");
host = await StartAsync();
staff = Client(host.Url);

JsonElement progress;
while (true)
{
    var summary = await staff.GetFromJsonAsync<JsonElement>($"/api/admin/digests/{issue}");
    progress = summary.GetProperty("progress");
    if (summary.GetProperty("state").GetString() == "sent") break;
    if (summary.GetProperty("state").GetString() == "paused") throw new InvalidOperationException("The issue paused: " + summary.GetProperty("pausedReason"));
    await Task.Delay(1000);
}
var total = clock.Elapsed;

async Task<Dictionary<string, string>> StatesAsync()
{
    var states = new Dictionary<string, string>();
    foreach (var state in new[] { "sent", "failed", "unknown", "pending", "sending", "skipped" })
    {
        long after = 0;
        while (true)
        {
            var page = await staff.GetFromJsonAsync<JsonElement[]>($"/api/admin/digests/{issue}/deliveries?state={state}&after={after}&limit=1000");
            foreach (var row in page!) states[row.GetProperty("email").GetString()!] = state;
            if (page.Length < 1000) break;
            after = page[^1].GetProperty("id").GetInt64();
        }
    }
    return states;
}
var rows = await StatesAsync();
int Copies(string email) => smtp.AcceptedCount.GetValueOrDefault(email);
var all = Enumerable.Range(1, readers).Select(Reader).ToList();
// Lost: a reader who should have mail and has none, and whose row does not say so (not Failed for a 550, not Unknown).
var lost = all.Count(r => Copies(r) == 0 && !(rows.GetValueOrDefault(r) == "failed" && refused.Contains(r)) && rows.GetValueOrDefault(r) != "unknown");
var duplicates = all.Count(r => Copies(r) > 1);
var unknown = all.Count(r => rows.GetValueOrDefault(r) == "unknown");
var wrongFailures = all.Count(r => rows.GetValueOrDefault(r) == "failed" && !refused.Contains(r));
var sentWithoutCopy = all.Count(r => rows.GetValueOrDefault(r) == "sent" && Copies(r) != 1);
Console.WriteLine($"RESULT readers={readers} sent={progress.GetProperty("sent")} failed={progress.GetProperty("failed")} unknown={unknown} total_seconds={total.TotalSeconds:F1}");
Console.WriteLine($"RESULT lost={lost} duplicates={duplicates} unknown={unknown} unknown_bound={connections} (one per connection; {connections * window} without the journals) wrongly_failed={wrongFailures} sent_rows_without_exactly_one_copy={sentWithoutCopy} deferred_then_sent={deferOnce.Count(r => rows.GetValueOrDefault(r) == "sent")}/{deferOnce.Count} refused_failed={refused.Count(r => rows.GetValueOrDefault(r) == "failed")}/{refused.Count}");
host.Process.Kill();
host.Process.WaitForExit();
try { Directory.Delete(data, recursive: true); } catch (IOException) { }
return lost == 0 && duplicates == 0 && unknown <= connections && wrongFailures == 0 ? 0 : 1;

async Task<(Process Process, string Url)> StartAsync()
{
    var start = new ProcessStartInfo("dotnet", [hostDll, "--urls", "http://127.0.0.1:0"]) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var (key, value) in settings) start.Environment[key] = value;
    var process = Process.Start(start)!;
    var url = new TaskCompletionSource<string>();
    process.OutputDataReceived += (_, e) =>
    {
        if (e.Data?.StartsWith("Newsletter is running: ", StringComparison.Ordinal) == true)
            url.TrySetResult(new Uri(e.Data["Newsletter is running: ".Length..].Split(' ')[0]).GetLeftPart(UriPartial.Authority));
    };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("host: " + e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return (process, await url.Task.WaitAsync(TimeSpan.FromMinutes(2)));
}

HttpClient Client(string url)
{
    var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
    client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    return client;
}
