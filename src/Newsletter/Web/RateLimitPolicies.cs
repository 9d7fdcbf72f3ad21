namespace Newsletter.Web;

/// <summary>Names of the rate-limiting policies the host configures (per client: <see cref="ClientAddress.PartitionOf"/>).</summary>
public static class RateLimitPolicies
{
    /// <summary>Public endpoints that write: sign-up, confirm, preferences, unsubscribe.</summary>
    public const string PublicWrites = "public-writes";
}
