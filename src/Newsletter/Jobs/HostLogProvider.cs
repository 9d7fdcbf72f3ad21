using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace Newsletter.Jobs;

/// <summary>
/// Hangfire's logging, through the host's logger factory, and silent once that factory is disposed. Hangfire keeps one
/// log provider for the whole process (a static), and Hangfire.AspNetCore points it at the factory of the last host
/// to configure Hangfire. When that host stops, its factory is disposed, and everything that asks Hangfire for a
/// logger afterwards in the same process (a new server, a storage, a job filter) threw ObjectDisposedException from
/// <see cref="ILoggerFactory.CreateLogger"/>. One host per process never meets this; the test process runs dozens,
/// and it failed a test at random (a server built just after another test's host stopped).
/// </summary>
public sealed class HostLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _host = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return _host.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return SilentLog.Instance;
        }
    }

    /// <summary>Logs nothing: the host it wrote to has stopped.</summary>
    private sealed class SilentLog : ILog
    {
        public static readonly SilentLog Instance = new();

        // Hangfire asks with a null message whether a level is enabled: it is not.
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
