using System.ComponentModel.DataAnnotations;

namespace Newsletter.Observability;

/// <summary>The Prometheus scrape endpoint. Off by default: it says how busy the service is, which is nobody else's business.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve OpenTelemetry metrics (ours, ASP.NET Core's, Kestrel's, Npgsql's, the runtime's) for Prometheus.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A port of its own for the scrape endpoint, without authentication: keep it private (firewall, cluster network).
    /// Empty: the endpoint is on the service's own port and needs the staff API key (<c>Authorization: Bearer</c>).
    /// Workers have no other HTTP surface than /healthz, so give them a port to be scraped.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Path of the scrape endpoint.</summary>
    [RegularExpression("^/[A-Za-z0-9/_-]*$", ErrorMessage = "Metrics:Path must be a path such as /metrics.")]
    public string Path { get; set; } = "/metrics";
}
