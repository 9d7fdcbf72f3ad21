using Microsoft.Extensions.Options;
using Newsletter.Host.Hosting;

// Verbs: (none) runs the service; "migrate" applies database migrations and exits (once per deploy);
// "import-subscribers FILE [--mode send-confirmation]" imports a CSV; "create-staff EMAIL [--role Editor]" adds staff.
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0].ToLowerInvariant() : null;
var rest = verb is null ? args : args.Skip(1).ToArray();
var verbArguments = CommandLine.Positional(rest);
// Settings files travel with the binary; ./data and ./templates stay relative to where you run it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    // A verb's own arguments are not settings; "--key value" pairs are (--urls, --role, --mode).
    Args = rest.Where(a => !verbArguments.Contains(a)).ToArray(),
    ContentRootPath = AppContext.BaseDirectory,
});
try
{
    builder.AddNewsletter();
    var app = builder.Build();
    app.UseNewsletter();
    return verb switch
    {
        null or "run" => await RunAsync(app),
        "migrate" => await CommandLine.MigrateAsync(app),
        "import-subscribers" => await CommandLine.ImportSubscribersAsync(app, verbArguments, app.Configuration["mode"]),
        "create-staff" => await CommandLine.CreateStaffAsync(app.Services, verbArguments, app.Configuration["role"], Console.In, Console.IsInputRedirected, Console.Out),
        _ => CommandLine.Unknown(verb),
    };
}
catch (OptionsValidationException e)
{
    // A wrong setting stops the host with one line per problem, naming the key.
    foreach (var line in ConfigurationErrors.Lines(e)) Console.Error.WriteLine(line);
    return 2;
}
catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is OptionsValidationException))
{
    // Wrong settings in several sections arrive together (the start-up validator gathers them): still a line each.
    foreach (var line in ConfigurationErrors.Lines(e)) Console.Error.WriteLine(line);
    return 2;
}
catch (Newsletter.Templates.TemplateException e)
{
    Console.Error.WriteLine($"Template error: {e.Message}");
    return 2;
}

static async Task<int> RunAsync(WebApplication app)
{
    await app.StartAsync();
    var web = app.Services.GetRequiredService<IOptions<HostingOptions>>().Value.IsWeb;
    foreach (var url in app.Urls)
        Console.WriteLine(web ? $"Newsletter is running: {url}/subscribe (health: {url}/healthz)" : $"Newsletter is running: {url}/healthz (worker: jobs only)");
    await app.WaitForShutdownAsync();
    return 0;
}

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
