using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Newsletter.Workers;

/// <summary>
/// Writes this process's heartbeat every <see cref="WorkerOptions.HeartbeatEvery"/> and marks it stopped when the host
/// stops. Registered after the start-up tasks (the table must exist) and before the job server, so it beats before
/// the first claim and says "stopped" only after the last job has let go.
/// </summary>
public sealed partial class WorkerHeartbeat(IServiceScopeFactory scopes, IOptions<WorkerOptions> options, TimeProvider clock, ILogger<WorkerHeartbeat> logger)
    : BackgroundService
{
    private DateTime _lastForget = DateTime.MinValue;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeatAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatEvery, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await BeatAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (!await scope.ServiceProvider.GetRequiredService<WorkerRegistry>().MarkStoppedAsync(cancellationToken))
                LogStillHolding(logger);
        }
        catch (Exception e)
        {
            // The database is gone too, or the shutdown's time ran out: the beat simply ages, and the fleet knows after
            // DeadAfter. Nothing to stop the shutdown for.
            LogBeatFailed(logger, e.Message);
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var registry = scope.ServiceProvider.GetRequiredService<WorkerRegistry>();
            await registry.BeatAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            if (now - _lastForget > TimeSpan.FromHours(1))
            {
                _lastForget = now;
                await registry.ForgetOldAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A missed beat is not a death: DeadAfter spans several. A process that cannot reach the database for that
            // long cannot record its sending either, and the fleet settles its claims.
            LogBeatFailed(logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 10000, EventName = "WorkerHeartbeatFailed", Level = LogLevel.Warning, Message = "Could not write this process's heartbeat: {Error}")]
    private static partial void LogBeatFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 10001, EventName = "WorkerStoppedHoldingClaims", Level = LogLevel.Warning,
        Message = "This process stops while it still holds claims (a job outlived the job server's shutdown): it is not marked stopped, and the other workers settle its claims once its heartbeat is older than Workers:DeadAfter")]
    private static partial void LogStillHolding(ILogger logger);
}
