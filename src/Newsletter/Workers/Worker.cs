using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Workers;

/// <summary>
/// One process of the fleet and its heartbeat (<see cref="WorkerHeartbeat"/>). Its id is the token on its claims
/// (<see cref="ThisWorker.Token"/>), so a process on another machine can tell that the claims' owner is gone: its beat is
/// older than <see cref="WorkerOptions.DeadAfter"/>, or it said it stopped.
/// </summary>
public sealed class Worker
{
    public Guid Id { get; set; }

    /// <summary>The machine's name and the process id, for staff and logs.</summary>
    public string Machine { get; set; } = "";
    public int ProcessId { get; set; }

    /// <summary>It runs the job server (the <c>worker</c> role): without one alive, no mail goes out.</summary>
    public bool RunsJobs { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime BeatAt { get; set; }

    /// <summary>Set as the process stops: whatever it left in Sending (its shutdown time ran out) is settled at once.</summary>
    public DateTime? StoppedAt { get; set; }
}

internal sealed class WorkerConfiguration : IEntityTypeConfiguration<Worker>
{
    public void Configure(EntityTypeBuilder<Worker> builder)
    {
        builder.ToTable("Workers");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).ValueGeneratedNever();
        builder.Property(w => w.Machine).HasMaxLength(200);
    }
}
