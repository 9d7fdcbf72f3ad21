namespace Newsletter.Host.Hosting;

/// <summary>Which parts of the service this process runs. One binary; roles by configuration.</summary>
public sealed class HostingOptions
{
    /// <summary>Comma-separated: "web" serves HTTP, "worker" runs the Hangfire server. Default both.</summary>
    public string Roles { get; set; } = "web,worker";

    public bool IsWeb => Parse().Contains("web");
    public bool IsWorker => Parse().Contains("worker");

    public HashSet<string> Parse() =>
        Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => r.ToLowerInvariant()).ToHashSet();
}
