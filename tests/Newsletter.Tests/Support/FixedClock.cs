namespace Newsletter.Tests.Support;

/// <summary>A clock that says what the test sets: a fixed time, moved by hand (<see cref="Now"/>) when the test needs it.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public FixedClock(DateTime utcNow) : this(new DateTimeOffset(utcNow))
    {
    }

    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
