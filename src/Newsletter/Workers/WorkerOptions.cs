using Microsoft.Extensions.Options;

namespace Newsletter.Workers;

public sealed class WorkerOptions
{
    public const string Section = "Workers";

    /// <summary>How often each process writes its heartbeat (one small update).</summary>
    public TimeSpan HeartbeatEvery { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A process whose heartbeat is older than this is gone: the next sweep settles its claims (outbox rows, digest
    /// ranges) instead of waiting for their lease. The machines' clocks must agree to well within it (NTP does).
    /// </summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromMinutes(1);
}

internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        if (options.HeartbeatEvery <= TimeSpan.Zero) return ValidateOptionsResult.Fail("Workers:HeartbeatEvery must be positive.");
        // A live process must have beaten at least twice within DeadAfter, or one slow write would make it look dead.
        if (options.DeadAfter < 3 * options.HeartbeatEvery)
            return ValidateOptionsResult.Fail("Workers:DeadAfter must be at least three times Workers:HeartbeatEvery.");
        return ValidateOptionsResult.Success;
    }
}
