using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Newsletter.Templates;

/// <summary>
/// Keeps this process's <see cref="TemplateLibrary"/> in step with the staff edits in the database: once before the
/// job server and the web server start, then every <see cref="TemplateFolderOptions.RefreshInterval"/>.
/// </summary>
public sealed partial class TemplateOverrideSync(IServiceScopeFactory scopes, IOptions<TemplateFolderOptions> options, TimeProvider clock, ILogger<TemplateOverrideSync> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        _loop = LoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null) await Task.WhenAny(_loop, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await RefreshAsync(stopping);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    // Keep rendering the versions we hold; the next tick tries again. Only the stop signal ends the
                    // loop: a timeout that surfaces as a cancellation is one more failed refresh.
                    LogRefreshFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TemplateStore>().RefreshAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 6002, EventName = "TemplateRefreshFailed", Level = LogLevel.Warning, Message = "Could not reload template edits from the database")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
