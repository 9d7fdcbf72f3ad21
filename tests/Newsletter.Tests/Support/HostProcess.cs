using System.Diagnostics;
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
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Newsletter.Host.dll"), "--urls", "http://127.0.0.1:0", .. arguments])
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

    /// <summary>An HTTP client for its address.</summary>
    public HttpClient CreateClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl) };

    /// <summary>Ends it at once, as a crash or the OOM killer would: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

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
