using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;
using Newsletter.Links;

namespace Newsletter.Host.Hosting;

/// <summary>Refuses configurations that cannot work, before anything starts, with the key and the reason.</summary>
public sealed class HostingOptionsValidator(IOptions<JobsOptions> jobs, IOptions<DatabaseOptions> database, IOptions<SiteOptions> site) : IValidateOptions<HostingOptions>
{
    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        var failures = new List<string>();
        var roles = options.Parse();
        var unknown = roles.Except(["web", "worker"]).ToList();
        var provider = database.Value.Provider;
        var storage = jobs.Value.Storage;
        if (roles.Count == 0) failures.Add("Roles must name at least one of: web, worker.");
        if (unknown.Count > 0) failures.Add($"Roles has unknown role(s) '{string.Join(", ", unknown)}'; use web, worker or both.");
        if (storage == JobStorageKind.InMemory && !(roles.Contains("web") && roles.Contains("worker")))
            failures.Add("Jobs:Storage InMemory keeps jobs inside one process, so Roles must be 'web,worker'; " +
                         "to run web and workers in separate processes set Jobs:Storage to Postgres (or SqlServer).");
        var sharesDatabase = (storage, provider) is (JobStorageKind.Postgres, DatabaseProvider.Postgres) or (JobStorageKind.SqlServer, DatabaseProvider.SqlServer);
        if (storage != JobStorageKind.InMemory && !sharesDatabase && string.IsNullOrWhiteSpace(jobs.Value.ConnectionString))
            failures.Add($"Jobs:Storage {storage} needs Jobs:ConnectionString (or Database:Provider {storage} to share its connection string).");
        if (provider != DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(database.Value.ConnectionString))
            failures.Add($"Database:ConnectionString is required when Database:Provider is {provider}.");
        if (provider != DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(site.Value.PostalAddress))
            failures.Add("Site:PostalAddress is required outside the embedded default: bulk-mail law (CAN-SPAM, PECR) asks for the sender's postal address.");
        if (!Uri.TryCreate(site.Value.BaseUrl, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != "https" && baseUrl.Scheme != "http"))
            failures.Add("Site:BaseUrl must be an absolute http(s) URL.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
