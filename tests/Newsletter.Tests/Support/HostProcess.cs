using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;

namespace Newsletter.Tests.Support;

/// <summary>
/// The real binary (Newsletter.Host.dll beside the tests) as a child process on 127.0.0.1 and a free port, configured
/// by environment variables (<c>Database__Provider</c>, <c>Roles</c>, ...). Started, it has printed its address;
/// disposed, it is killed (SIGKILL) if still running. Its output is kept for failure messages.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process) => _process = process;

    /// <summary>The root URL it listens on, e.g. http://127.0.0.1:41234.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything it wrote to stdout and stderr so far.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the host with <paramref name="environment"/> and waits until it says it is running.</summary>
    public static Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        StartAsync(environment, fileSizeLimitKiB: null, arguments);

    /// <summary>
    /// Starts the host unable to write any file past <paramref name="fileSizeLimitKiB"/> KiB (<c>ulimit -f</c>, with
    /// SIGXFSZ ignored so that such a write fails with "File too large" instead of killing the process): to the code, a
    /// disk that is full. Only for a database that is not a file of its own (PostgreSQL). The runtime's W^X mode is off:
    /// it maps its code through a memory file sized past any such limit, and would not start.
    /// </summary>
    public static Task<HostProcess> StartWithFileSizeLimitAsync(IReadOnlyDictionary<string, string> settings, int fileSizeLimitKiB)
    {
        var environment = settings.ToDictionary(pair => pair.Key.Replace(":", "__"), pair => (string?)pair.Value);
        environment["DOTNET_EnableWriteXorExecute"] = "0";
        return StartAsync(environment, fileSizeLimitKiB, []);
    }

    private static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, int? fileSizeLimitKiB, string[] arguments)
    {
        string[] command = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Newsletter.Host.dll"), "--urls", "http://127.0.0.1:0", .. arguments];
        // exec: the shell becomes the host, so the process id (and SIGKILL) is the host's.
        if (fileSizeLimitKiB is { } limit) command = ["bash", "-c", $"trap '' XFSZ; ulimit -f {limit}; exec \"$@\"", "bash", .. command];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var host = new HostProcess(Process.Start(start)!);
        host._process.EnableRaisingEvents = true;
        host._process.Exited += (_, _) => host._address.TrySetException(new InvalidOperationException("The host exited while starting."));
        host._process.OutputDataReceived += (_, e) => host.Record(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Record(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            host.BaseUrl = await host._address.Task.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not start ({(e is OperationCanceledException ? "not running after 90 s" : e.Message)}). Output:\n{host.Output}");
        }
        return host;
    }

    /// <summary>Starts the host with settings named as in appsettings ("Digests:BatchSize"), passed as environment variables.</summary>
    public static Task<HostProcess> StartWithSettingsAsync(IReadOnlyDictionary<string, string> settings, params string[] arguments) =>
        StartAsync(settings.ToDictionary(pair => pair.Key.Replace(":", "__"), pair => (string?)pair.Value), arguments);

    /// <summary>An HTTP client for its address.</summary>
    public HttpClient CreateClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>An HTTP client for its staff API.</summary>
    public HttpClient StaffClient(string apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>Ends it at once (SIGKILL), as a crash or the OOM killer would: no shutdown code runs. Returns once it is gone.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>
    /// Asks it to stop (SIGTERM), as systemd, Docker or a rolling restart does, and waits up to <paramref name="wait"/>
    /// for it to exit. True when it did.
    /// </summary>
    public async Task<bool> TerminateAsync(TimeSpan wait)
    {
        if (_process.HasExited) return true;
        if (SendSignal(_process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int processId, int signal);

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        const string running = "Newsletter is running: ";
        if (line.StartsWith(running, StringComparison.Ordinal))
            _address.TrySetResult(new Uri(line[running.Length..].Split(' ')[0]).GetLeftPart(UriPartial.Authority));
        else if (line.StartsWith("Configuration error", StringComparison.Ordinal))
            _address.TrySetException(new InvalidOperationException(line));
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
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
