using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Newsletter.Tests.Support;
using Npgsql;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// Roles=web and Roles=worker as separate OS processes of the real binary on one PostgreSQL database with
/// Hangfire.PostgreSql storage: the web process serves HTTP and enqueues, only the worker runs jobs, and the worker
/// answers nothing over HTTP but /healthz (and metrics, on a port of its own or on its own port to an API key); both
/// say 503 on /healthz when the database is gone. PostgreSQL only: in-memory jobs cannot be
/// shared by two processes, and the host refuses split roles on them (ConfigurationTests).
/// </summary>
[Trait("Database", "Postgres")]
public sealed class RolesTests : IAsyncLifetime
{
    private readonly TestSmtpServer _smtp = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "newsletter-tests", Guid.NewGuid().ToString("N"));
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync() => _database = await PostgresServer.Shared.CreateDatabaseAsync();

    [Fact]
    public async Task The_web_process_enqueues_the_worker_process_sends_and_the_worker_has_no_pages()
    {
        await using var web = await HostProcess.StartAsync(Environment("web"));
        using var reader = web.CreateClient();
        var signup = await reader.PostAsJsonAsync("/api/subscribers", new { email = "split@roles.example" });
        Assert.Equal(HttpStatusCode.Accepted, signup.StatusCode);
        // The confirmation waits in the shared queue: the web process runs no Hangfire server.
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM hangfire.server"));
        Assert.True(await ScalarAsync("SELECT count(*) FROM hangfire.jobqueue") >= 1, "the confirmation job is not in the shared queue");
        Assert.Empty(_smtp.Messages);

        var metricsPort = FreePort();
        await using var worker = await HostProcess.StartAsync(Environment("worker", ("Metrics__Enabled", "true"), ("Metrics__Port", metricsPort.ToString())));
        var confirmation = await _smtp.WaitForMessageToAsync("split@roles.example", timeout: TimeSpan.FromSeconds(60));
        Assert.Contains("/confirm/", confirmation.TextBody);
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM hangfire.server"));

        using var workerHttp = worker.CreateClient();
        var health = await workerHttp.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await workerHttp.GetAsync("/subscribe")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerHttp.PostAsJsonAsync("/api/subscribers", new { email = "nope@roles.example" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerHttp.GetAsync("/admin")).StatusCode);
        using var prometheus = new HttpClient();
        var scrape = await prometheus.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Contains("newsletter_jobs{", scrape);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/healthz")).StatusCode);

        // The database goes away: both processes say so on /healthz (503), which is what a load balancer acts on.
        await using (var admin = new NpgsqlConnection(PostgresServer.Shared.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE \"{_database.Name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        foreach (var client in new[] { reader, workerHttp })
        {
            var down = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("Unhealthy", await down.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_worker_without_a_metrics_port_serves_the_scrape_on_its_own_port_to_an_api_key_only()
    {
        const string key = "roles-test-staff-api-key-0123456789";
        await using var worker = await HostProcess.StartAsync(Environment("worker", ("Metrics__Enabled", "true"), ("Security__StaffApiKey", key)));
        using var http = worker.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var answer = await http.SendAsync(scrape);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("newsletter_jobs{", await answer.Content.ReadAsStringAsync());
        // Still no pages: the key opens the scrape, not the dashboard or the API.
        using var admin = new HttpRequestMessage(HttpMethod.Get, "/api/admin/subscribers");
        admin.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/admin/login")).StatusCode);
    }

    private Dictionary<string, string?> Environment(string roles, params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string?>(_database.EnvironmentVariables)
        {
            ["Roles"] = roles,
            ["DataDirectory"] = _dataDirectory,
            ["Site__BaseUrl"] = "http://localhost",
            ["Site__PostalAddress"] = "1 Test Street, Testville",
            ["Email__Transport"] = "Smtp",
            ["Email__FromAddress"] = "news@roles.example",
            ["Email__Smtp__Host"] = "127.0.0.1",
            ["Email__Smtp__Port"] = _smtp.Port.ToString(),
            ["Email__Smtp__Security"] = "None",
            ["Staff__RequireHttps"] = "false",
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _database.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}
