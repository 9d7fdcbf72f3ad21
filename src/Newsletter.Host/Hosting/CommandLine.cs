using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Subscribers;
using Newsletter.Staff;
using Newsletter.Web;

namespace Newsletter.Host.Hosting;

/// <summary>The host's verbs besides running the service.</summary>
public static class CommandLine
{
    /// <summary>Where <c>create-staff</c> reads a chosen password from, when stdin is not used.</summary>
    public const string PasswordVariable = "NEWSLETTER_STAFF_PASSWORD";

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
    public static async Task<int> ImportSubscribersAsync(WebApplication app, IReadOnlyList<string> arguments, string? requestedMode)
    {
        var file = arguments.FirstOrDefault();
        if (file is null || !File.Exists(file) || requestedMode is not (null or "confirmed" or "send-confirmation"))
        {
            Console.Error.WriteLine("Usage: import-subscribers FILE.csv [--mode confirmed|send-confirmation]  (the file must exist)");
            return 2;
        }
        var mode = requestedMode == "send-confirmation" ? ImportMode.SendConfirmation : ImportMode.Confirmed;
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
            await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Newsletter.Audit.AuditLog>().ActAs("cli");
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

    /// <summary>
    /// <c>create-staff EMAIL [--role Owner|Editor]</c>: creates a staff account (the first one is an Owner, later ones
    /// Editors unless told). The password comes from the NEWSLETTER_STAFF_PASSWORD variable or from stdin when it is piped
    /// in; otherwise a one-time password is generated, printed once, and must be changed at the first login. There is
    /// never a default password.
    /// </summary>
    public static async Task<int> CreateStaffAsync(IServiceProvider services, IReadOnlyList<string> arguments, string? requestedRole,
        TextReader input, bool inputRedirected, TextWriter output)
    {
        var email = arguments.FirstOrDefault();
        if (string.IsNullOrWhiteSpace(email))
        {
            Console.Error.WriteLine("Usage: create-staff EMAIL [--role Owner|Editor]   (password: NEWSLETTER_STAFF_PASSWORD, or piped to stdin, or a generated one-time password)");
            return 2;
        }
        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Newsletter.Audit.AuditLog>().ActAs("cli");
        var accounts = scope.ServiceProvider.GetRequiredService<StaffAccounts>();
        var role = requestedRole is null
            ? await accounts.AnyAsync(CancellationToken.None) ? StaffRoles.Editor : StaffRoles.Owner
            : StaffAccounts.Roles.FirstOrDefault(r => r.Equals(requestedRole, StringComparison.OrdinalIgnoreCase));
        if (role is null)
        {
            Console.Error.WriteLine($"Unknown role '{requestedRole}'. Roles: {string.Join(", ", StaffAccounts.Roles)}.");
            return 2;
        }
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password) && inputRedirected) password = (await input.ReadLineAsync())?.TrimEnd('\r', '\n');
        var created = await accounts.CreateAsync(email, role, string.IsNullOrEmpty(password) ? null : password, CancellationToken.None);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors) Console.Error.WriteLine($"Not created: {error}");
            return 1;
        }
        await output.WriteLineAsync($"Created {role} {created.User!.Email}.");
        if (created.OneTimePassword is not null)
            await output.WriteLineAsync($"One-time password (shown only now; it must be changed at the first login): {created.OneTimePassword}");
        return 0;
    }

    /// <summary>The verb's own arguments: those that are not settings ("--key value" or "--key=value").</summary>
    public static string[] Positional(IReadOnlyList<string> arguments)
    {
        var result = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            if (!arguments[i].StartsWith('-')) result.Add(arguments[i]);
            else if (!arguments[i].Contains('=')) i++;
        }
        return result.ToArray();
    }

    public static int Unknown(string verb)
    {
        Console.Error.WriteLine($"Unknown command '{verb}'. Commands: run (default), migrate, import-subscribers FILE [--mode confirmed|send-confirmation], create-staff EMAIL [--role Owner|Editor].");
        return 2;
    }
}
