// Benchmark of the dashboard's subscriber queries on SQLite at a million rows (run: scripts/bench-dashboard.sh [ROWS]).
// Prints the median of 5 warm runs per query, next to two machine references measured in the same run:
// a primary-key lookup (the floor of any query) and a full scan of an unindexed column (what an unindexed query costs).
#:project ../src/Newsletter/Newsletter.csproj
#:project ../src/Newsletter.Migrations.Sqlite/Newsletter.Migrations.Sqlite.csproj
#:property PublishAot=false
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Newsletter.Dashboard;
using Newsletter.Data;
using Newsletter.Subscribers;

var rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var folder = Path.Combine(Path.GetTempPath(), "newsletter-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
var options = new DbContextOptionsBuilder<NewsletterDb>();
DataServiceCollectionExtensions.Configure(options, new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "bench.db")}" }, new DataDirectory(folder));
try
{
    await using (var db = new NewsletterDb(options.Options)) await db.Database.MigrateAsync();
    var seed = Stopwatch.StartNew();
    await SeedAsync(Path.Combine(folder, "bench.db"), rows);
    Console.WriteLine($"Seeded {rows:N0} subscribers in {seed.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} core(s).");

    var clock = TimeProvider.System;
    var middle = rows / 2;
    var results = new List<(string, double)>
    {
        ("machine: primary-key lookup", await TimeAsync(db => db.Set<Subscriber>().AsNoTracking().Where(s => s.Id == middle).ToListAsync())),
        ("machine: full scan of an unindexed column", await TimeAsync(db => db.Set<Subscriber>().CountAsync(s => s.ConsentSource == "nowhere"))),
        ("first page, newest first", await TimeAsync(db => new SubscriberDirectory(db, clock).SearchAsync(new(null, null, null, null), default))),
        ("page in the middle (keyset)", await TimeAsync(db => new SubscriberDirectory(db, clock).SearchAsync(new(null, null, null, middle), default))),
        ("filter confirmed + daily", await TimeAsync(db => new SubscriberDirectory(db, clock).SearchAsync(new(null, SubscriberStatus.Confirmed, DigestFrequency.Daily, null), default))),
        ("search 'user0512' (1,000 matches)", await TimeAsync(db => new SubscriberDirectory(db, clock).SearchAsync(new("user0512", null, null, null), default))),
        ("search 'user05' (100,000 matches)", await TimeAsync(db => new SubscriberDirectory(db, clock).SearchAsync(new("user05", null, null, null), default))),
        ("search name 'Grace 12' (~1,100 matches)", await TimeAsync(db => new SubscriberDirectory(db, clock).SearchAsync(new("Grace 12", null, null, null), default))),
        ("overview: counts by status", await TimeAsync(db => new SubscriberStatistics(db, clock).CountsAsync(default))),
        ("overview: 90-day growth", await TimeAsync(db => new SubscriberStatistics(db, clock).GrowthAsync(rows, default))),
    };
    foreach (var (name, ms) in results) Console.WriteLine($"{name,-45} {ms,9:F2} ms");
}
finally
{
    SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

async Task<double> TimeAsync(Func<NewsletterDb, Task> query)
{
    var times = new List<double>();
    for (var run = 0; run < 6; run++)
    {
        await using var db = new NewsletterDb(options.Options);
        var watch = Stopwatch.StartNew();
        await query(db);
        if (run > 0) times.Add(watch.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

static async Task SeedAsync(string path, int rows)
{
    string[] names = ["Ada", "Grace", "Alan", "Edith", "Zelda", "Mary", "Katherine", "Frida", "James", "Toni"];
    await using var connection = new SqliteConnection($"Data Source={path}");
    await connection.OpenAsync();
    await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
    await using var insert = connection.CreateCommand();
    insert.Transaction = transaction;
    insert.CommandText = """
        INSERT INTO Subscribers (PublicId, Email, EmailKey, Name, Frequency, Topics, Status, CreatedAt, UpdatedAt, ConfirmedAt, UnsubscribedAt, ConsentAt, ConsentSource)
        VALUES ($id, $email, $email, $name, $frequency, '', $status, $created, $created, $confirmed, $unsubscribed, $created, 'bench')
        """;
    var p = new Dictionary<string, SqliteParameter>();
    foreach (var name in new[] { "$id", "$email", "$name", "$frequency", "$status", "$created", "$confirmed", "$unsubscribed" }) p[name] = insert.Parameters.Add(new SqliteParameter { ParameterName = name });
    var start = DateTime.UtcNow.AddDays(-365);
    for (var i = 0; i < rows; i++)
    {
        var created = start.AddSeconds(i * (365.0 * 86400 / rows));
        var status = i % 10 < 7 ? 1 : i % 10 < 9 ? 0 : 2;
        p["$id"].Value = Guid.NewGuid().ToString().ToUpperInvariant();
        p["$email"].Value = $"user{i:D7}@bench{i % 100}.example";
        p["$name"].Value = $"{names[i % names.Length]} {i % 1000}";
        p["$frequency"].Value = i % 3 == 0 ? 0 : 1;
        p["$status"].Value = status;
        p["$created"].Value = created;
        p["$confirmed"].Value = status == 1 ? created : DBNull.Value;
        p["$unsubscribed"].Value = status == 2 ? created.AddDays(1) : DBNull.Value;
        await insert.ExecuteNonQueryAsync();
    }
    await transaction.CommitAsync();
    await using var analyze = connection.CreateCommand();
    analyze.CommandText = "ANALYZE;";
    await analyze.ExecuteNonQueryAsync();
}
