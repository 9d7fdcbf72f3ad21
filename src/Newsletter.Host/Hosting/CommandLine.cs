using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Subscribers;

namespace Newsletter.Host.Hosting;

/// <summary>The host's verbs besides running the service.</summary>
public static class CommandLine
{
    public static async Task<int> MigrateAsync(WebApplication app)
    {
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        Console.WriteLine("Database is up to date.");
        return 0;
    }

    /// <summary>
    /// <c>import-subscribers FILE [--mode confirmed|send-confirmation]</c>: imports a CSV from disk, the same code as the
    /// staff API. Confirmation emails (send-confirmation) wait in the outbox until the service runs.
    /// </summary>
    public static async Task<int> ImportSubscribersAsync(WebApplication app, string[] args)
    {
        var file = args.SkipWhile(a => !a.Equals("import-subscribers", StringComparison.OrdinalIgnoreCase)).Skip(1)
            .Where((a, i) => !a.StartsWith('-')).FirstOrDefault(a => a != "confirmed" && a != "send-confirmation");
        if (file is null || !File.Exists(file))
        {
            Console.Error.WriteLine("Usage: import-subscribers FILE.csv [--mode confirmed|send-confirmation]  (the file must exist)");
            return 2;
        }
        var mode = args.SkipWhile(a => a != "--mode").Skip(1).FirstOrDefault() == "send-confirmation" ? ImportMode.SendConfirmation : ImportMode.Confirmed;
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
            await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await using var scope = app.Services.CreateAsyncScope();
        await using var stream = File.OpenRead(file);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var progress = new Progress<ImportReport>(r => Console.Error.Write($"\r{r.Imported + r.Updated + r.Rejected:N0} rows..."));
        var report = await scope.ServiceProvider.GetRequiredService<SubscriberImport>().ImportAsync(stream, mode, CancellationToken.None, progress);
        Console.Error.WriteLine();
        Console.WriteLine($"Imported {report.Imported}, updated {report.Updated}, rejected {report.Rejected} in {started.Elapsed.TotalSeconds:F1} s");
        foreach (var error in report.Errors.Take(20)) Console.WriteLine($"  line {error.Line}: {error.Reason}");
        if (report.ErrorsTruncated || report.Errors.Count > 20) Console.WriteLine("  (more rejected lines not shown)");
        return 0;
    }

    public static int Unknown(string verb)
    {
        Console.Error.WriteLine($"Unknown command '{verb}'. Commands: run (default), migrate, import-subscribers FILE [--mode confirmed|send-confirmation].");
        return 2;
    }
}
