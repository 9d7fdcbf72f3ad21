using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Articles;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Host.Hosting;
using Newsletter.Subscribers;

// One digest through the real engine: planning, fan-out, batch jobs on Hangfire, rendering, SMTP (MailKit) into
// smtp-sink, the SQLite ledger. Prints RESULT lines for scripts/bench-send.sh. Options: --subscribers, --connections,
// --workers, --smtp-port, --batch, --data DIR (kept), --progress-seconds N (the progress line's period; 1 shows how fast
// a send reaches full speed), --measure-build (microseconds to build and write one copy, after the send).
var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--")).ToDictionary(x => x.a[2..], x => args[x.i + 1]);
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
var subscribers = int.Parse(Option("subscribers", "100000"));
var dataDirectory = Option("data", Path.Combine(Path.GetTempPath(), "newsletter-bench-" + Guid.NewGuid().ToString("N")));

// As a deployment does (README, "Deploying"): the schema is made once by the migrate verb, in a process of
// its own, and the serving process starts with MigrateOnStart off. Migrating in this process would keep EF's migration
// machinery (the model snapshot, a design-time model, the migrations' code) in the memory measured here.
Directory.CreateDirectory(dataDirectory);
using (var migrate = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Newsletter.Host.dll"), "migrate"])
       {
           Environment = { ["DataDirectory"] = dataDirectory },
           WorkingDirectory = AppContext.BaseDirectory,
           RedirectStandardOutput = true,
           RedirectStandardError = true,
       })!)
{
    var output = migrate.StandardOutput.ReadToEndAsync();
    var errors = migrate.StandardError.ReadToEndAsync();
    await migrate.WaitForExitAsync();
    if (migrate.ExitCode != 0) throw new InvalidOperationException($"The migrate verb failed (exit code {migrate.ExitCode}): {await output}{await errors}");
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["DataDirectory"] = dataDirectory,
    ["Database:MigrateOnStart"] = "false",
    ["Urls"] = "http://127.0.0.1:0",
    ["Site:BaseUrl"] = "https://news.bench.example",
    ["Site:Name"] = "The Bench Review",
    ["Site:PostalAddress"] = "1 Bench Street, Benchville",
    ["Email:Transport"] = "Smtp",
    ["Email:FromAddress"] = "news@bench.example",
    ["Email:Smtp:Host"] = "127.0.0.1",
    ["Email:Smtp:Port"] = Option("smtp-port", "2525"),
    ["Email:Smtp:Security"] = "None",
    ["Jobs:WorkerCount"] = Option("workers", "4"),
    ["Digests:Connections"] = Option("connections", "8"),
    ["Digests:BatchSize"] = Option("batch", "1000"),
    ["Digests:DailyCron"] = "",
    ["Digests:WeeklyCron"] = "",
    ["Logging:LogLevel:Default"] = "Warning",
    ["Logging:LogLevel:Hangfire"] = "Warning",
});
builder.AddNewsletter();
var app = builder.Build();
app.UseNewsletter();
await app.StartAsync();

var seed = Stopwatch.StartNew();
var connectionString = $"Data Source={Path.Combine(dataDirectory, "newsletter.db")}";
await using (var connection = new SqliteConnection(connectionString))
{
    await connection.OpenAsync();
    await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
    await using var command = connection.CreateCommand();
    command.Transaction = transaction;
    command.CommandText = """
        INSERT INTO "Subscribers" ("PublicId","Email","EmailKey","Name","Frequency","Topics","Status","CreatedAt","UpdatedAt","ConfirmedAt","ConsentAt","ConsentSource")
        VALUES ($id, $email, $email, $name, 0, '', 1, $now, $now, $now, $now, 'bench')
        """;
    var id = command.Parameters.Add("$id", SqliteType.Text);
    var email = command.Parameters.Add("$email", SqliteType.Text);
    var name = command.Parameters.Add("$name", SqliteType.Text);
    command.Parameters.AddWithValue("$now", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF"));
    command.Prepare();
    for (var i = 1; i <= subscribers; i++)
    {
        id.Value = Guid.NewGuid().ToString().ToUpperInvariant();
        email.Value = $"reader{i}@bench.example";
        name.Value = $"Reader {i}";
        await command.ExecuteNonQueryAsync();
    }
    await transaction.CommitAsync();
}
await using (var scope = app.Services.CreateAsyncScope())
{
    var store = scope.ServiceProvider.GetRequiredService<ArticleStore>();
    var paragraph = string.Concat(Enumerable.Repeat("<p>A paragraph of a cultural review, long enough to look like the real thing in a digest. </p>", 3));
    for (var i = 1; i <= 10; i++)
        await store.UpsertAsync(new ArticleInput($"bench-{i}", $"Article number {i}: a title of ordinary length", $"https://blog.bench.example/posts/{i}",
            "Jane Roe", DateTime.UtcNow.AddMinutes(-i), paragraph, null, ["books"], $"https://blog.bench.example/img/{i}.jpg"), "bench", CancellationToken.None);
}
Console.WriteLine($"RESULT seeded={subscribers} seed_seconds={seed.Elapsed.TotalSeconds:F1}");

// Where the memory goes: sampled every 200 ms during the send, the highest of each (kB), printed with the result.
var memoryPeaks = new Dictionary<string, long>();
using var memorySampler = new CancellationTokenSource();
// BENCH_TIMELINE=1 also prints each second's figures, to see when in the send the peak comes.
var timeline = Environment.GetEnvironmentVariable("BENCH_TIMELINE") == "1";
var sampledAt = Stopwatch.StartNew();
var sampling = Task.Run(async () =>
{
    var lastPrinted = -1L;
    while (!memorySampler.IsCancellationRequested)
    {
        if (timeline && sampledAt.Elapsed.TotalSeconds >= lastPrinted + 1)
        {
            lastPrinted = (long)sampledAt.Elapsed.TotalSeconds;
            var status = File.ReadAllLines("/proc/self/status");
            string Kb(string key) => status.First(l => l.StartsWith(key + ":"))[(key.Length + 1)..].Trim().Split(' ')[0];
            Console.WriteLine($"TIMELINE t={lastPrinted} VmRSS={Kb("VmRSS")} RssAnon={Kb("RssAnon")} RssShmem={Kb("RssShmem")} " +
                $"GcCommitted={GC.GetGCMemoryInfo().TotalCommittedBytes / 1024} SqliteUsed={SQLitePCL.raw.sqlite3_memory_used() / 1024}");
        }
        foreach (var line in File.ReadAllLines("/proc/self/status"))
            foreach (var key in new[] { "VmRSS", "RssAnon", "RssFile", "RssShmem" })
                if (line.StartsWith(key + ":"))
                    memoryPeaks[key] = Math.Max(memoryPeaks.GetValueOrDefault(key), long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]));
        var gc = GC.GetGCMemoryInfo();
        memoryPeaks["GcHeap"] = Math.Max(memoryPeaks.GetValueOrDefault("GcHeap"), gc.HeapSizeBytes / 1024);
        memoryPeaks["GcCommitted"] = Math.Max(memoryPeaks.GetValueOrDefault("GcCommitted"), gc.TotalCommittedBytes / 1024);
        // SQLite's own heap (page caches, statements), as SQLite counts it: the high-water mark since start.
        memoryPeaks["SqliteHeap"] = SQLitePCL.raw.sqlite3_memory_highwater(0) / 1024;
        try { await Task.Delay(200, memorySampler.Token); } catch (OperationCanceledException) { }
    }
});
Console.WriteLine($"RESULT memory_before_send_kb: {string.Join(' ', File.ReadAllLines("/proc/self/status").Where(l => l.StartsWith("Rss") || l.StartsWith("VmRSS")).Select(l => l.Replace("\t", "").Replace(" kB", "")))} GcHeap:{GC.GetGCMemoryInfo().HeapSizeBytes / 1024} GcCommitted:{GC.GetGCMemoryInfo().TotalCommittedBytes / 1024}");

var clock = Stopwatch.StartNew();
// The CPU this process uses from Send now until the issue is Sent, per copy: steadier than a rate on a shared machine.
var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
// And the bytes it allocates per copy: what the GC has to clear, and the same from run to run.
var allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);
long issueId;
await using (var scope = app.Services.CreateAsyncScope())
    issueId = (await scope.ServiceProvider.GetRequiredService<DigestService>().SendNowAsync(DigestFrequency.Daily, CancellationToken.None))!.Id;
var fanOut = clock.Elapsed;
Console.WriteLine($"RESULT fanout_seconds={fanOut.TotalSeconds:F1}");
// The end is seen within 100 ms (the issue's state, one row by key); the counts over every delivery, which cost a scan,
// only every 5 s for the progress line.
TimeSpan total;
var lastProgress = TimeSpan.Zero;
var progressEvery = TimeSpan.FromSeconds(double.Parse(Option("progress-seconds", "5"), System.Globalization.CultureInfo.InvariantCulture));
while (true)
{
    await Task.Delay(100);
    await using var scope = app.Services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
    var state = await db.Set<DigestIssue>().Where(i => i.Id == issueId).Select(i => i.State).SingleAsync();
    if (state == DigestIssueState.Sent)
    {
        total = clock.Elapsed;
        break;
    }
    if (clock.Elapsed - lastProgress < progressEvery) continue;
    lastProgress = clock.Elapsed;
    var progress = await scope.ServiceProvider.GetRequiredService<DeliveryLedger>().CountAsync(issueId, CancellationToken.None);
    Console.Error.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F0}s sent={progress.Sent} pending={progress.Pending} sending={progress.Sending} failed={progress.Failed} unknown={progress.Unknown}");
}
var sendCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart;
var sendAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedAtStart;
DeliveryCounts counts;
await using (var scope = app.Services.CreateAsyncScope())
    counts = await scope.ServiceProvider.GetRequiredService<DeliveryLedger>().CountAsync(issueId, CancellationToken.None);
memorySampler.Cancel();
await sampling;
Console.WriteLine($"RESULT memory_peaks_kb: {string.Join(' ', memoryPeaks.Select(p => $"{p.Key}:{p.Value}"))}");

int messageBytes;
await using (var scope = app.Services.CreateAsyncScope())
{
    var digest = await scope.ServiceProvider.GetRequiredService<DigestRenderer>().GetAsync(issueId, "", CancellationToken.None);
    var message = scope.ServiceProvider.GetRequiredService<DigestMessageBuilder>()
        .Build(digest, new DigestRecipient(0, "reader1@bench.example", "Reader 1", Guid.NewGuid(), ""));
    using var buffer = new MemoryStream();
    message.WriteTo(buffer);
    messageBytes = (int)buffer.Length;
}
if (options.ContainsKey("measure-build"))
{
    // Where a copy's CPU goes, in microseconds per message (after a warm-up, so tiered compilation has settled).
    await using var scope = app.Services.CreateAsyncScope();
    var digest = await scope.ServiceProvider.GetRequiredService<DigestRenderer>().GetAsync(issueId, "", CancellationToken.None);
    var messages = scope.ServiceProvider.GetRequiredService<DigestMessageBuilder>();
    var smtpFormat = MimeKit.FormatOptions.Default.Clone();
    smtpFormat.NewLineFormat = MimeKit.NewLineFormat.Dos;
    smtpFormat.EnsureNewLine = true;
    double Measure(Action<int> step, int count = 5000)
    {
        for (var i = 0; i < count; i++) step(i);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) step(i);
        return watch.Elapsed.TotalMicroseconds / count;
    }
    DigestRecipient Reader(int i) => new(0, $"reader{i}@bench.example", "Reader", Guid.NewGuid(), "");
    // Each message disposed, as the send does: an undisposed one waits for the finalizer, which costs more than building it.
    var build = Measure(i => messages.Build(digest, Reader(i)).Dispose());
    var prepare = Measure(i =>
    {
        using var message = messages.Build(digest, Reader(i));
        message.Prepare(MimeKit.EncodingConstraint.EightBit);
    });
    var write = Measure(i =>
    {
        using var message = messages.Build(digest, Reader(i));
        message.WriteTo(smtpFormat, Stream.Null);
    });
    var everything = Measure(i =>
    {
        using var message = messages.Build(digest, Reader(i));
        message.Prepare(MimeKit.EncodingConstraint.EightBit);
        message.WriteTo(smtpFormat, Stream.Null);
    });
    Console.WriteLine($"RESULT build_us={build:F0} build_prepare_us={prepare:F0} build_write_us={write:F0} build_prepare_write_us={everything:F0}");
}
var peakRss = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"))["VmHWM:".Length..].Trim();
Console.WriteLine($"RESULT sent={counts.Sent} failed={counts.Failed} unknown={counts.Unknown} total_seconds={total.TotalSeconds:F1} " +
                  $"messages_per_second={counts.Sent / total.TotalSeconds:F0} send_phase_per_second={counts.Sent / (total - fanOut).TotalSeconds:F0} " +
                  $"message_bytes={messageBytes} peak_rss=\"{peakRss}\" connections={Option("connections", "8")} " +
                  $"send_cpu_us_per_copy={sendCpu.TotalMicroseconds / Math.Max(1, counts.Sent):F0} " +
                  $"send_allocated_bytes_per_copy={sendAllocated / Math.Max(1, counts.Sent)}");
await app.StopAsync();
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
if (!options.ContainsKey("data")) Directory.Delete(dataDirectory, recursive: true);
