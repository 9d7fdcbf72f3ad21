using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace Newsletter.Tests.Support;

/// <summary>
/// The real Host as a separate OS process (the built Newsletter.Host.dll run with <c>dotnet</c>), configured through
/// environment variables, listening on 127.0.0.1. <see cref="Kill"/> is SIGKILL: no shutdown code runs, exactly as
/// when the machine loses power or the kernel kills the process. What it wrote to the console is kept for failures.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }
    public Uri BaseAddress { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>The process's console output so far (for failure messages).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts the host with <paramref name="settings"/> (keys as in appsettings: "Digests:BatchSize") and waits until
    /// /healthz answers. <paramref name="workingDirectory"/> is where ./data would be, had DataDirectory been relative.
    /// </summary>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string workingDirectory, TimeSpan? timeout = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostDll);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__")] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var host = new HostProcess(process, port);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await host.WaitUntilHealthyAsync(timeout ?? TimeSpan.FromSeconds(60));
        return host;
    }

    /// <summary>A client for this host's staff API.</summary>
    public HttpClient StaffClient(string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>SIGKILL, then waits for the process to be gone.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The host exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The host did not become healthy in {timeout}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>The Host built next to these tests: src/Newsletter.Host/bin/{Configuration}/{framework}/Newsletter.Host.dll.</summary>
    public static string HostDll
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testOutput.Name;
            var configuration = testOutput.Parent!.Name;
            var root = testOutput;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Newsletter.sln"))) root = root.Parent;
            if (root is null) throw new InvalidOperationException("Newsletter.sln not found above " + AppContext.BaseDirectory);
            var dll = Path.Combine(root.FullName, "src", "Newsletter.Host", "bin", configuration, framework, "Newsletter.Host.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first: the Host is run as a child process.", dll);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }
}

/// <summary>Small calls to a host's staff API that the process tests share.</summary>
public static class StaffApi
{
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}
