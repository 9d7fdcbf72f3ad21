using Microsoft.Extensions.Options;
using Newsletter.Host.Hosting;

// Verbs: (none) runs the service; "migrate" applies database migrations and exits (once per deploy);
// "import-subscribers FILE" imports a CSV from disk.
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0].ToLowerInvariant() : null;
// Settings files travel with the binary; ./data and ./templates stay relative to where you run it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    // A verb's own arguments are not settings; settings then come from the environment and appsettings.json.
    Args = verb is null or "run" ? args.Skip(verb is null ? 0 : 1).ToArray() : [],
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
        "import-subscribers" => await CommandLine.ImportSubscribersAsync(app, args),
        _ => CommandLine.Unknown(verb),
    };
}
catch (OptionsValidationException e)
{
    // A wrong setting stops the host with one line per problem, naming the key.
    foreach (var failure in e.Failures) Console.Error.WriteLine($"Configuration error: {failure}");
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
    foreach (var url in app.Urls) Console.WriteLine($"Newsletter is running: {url}/subscribe (health: {url}/healthz)");
    await app.WaitForShutdownAsync();
    return 0;
}

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
