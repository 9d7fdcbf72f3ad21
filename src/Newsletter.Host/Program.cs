using Microsoft.Extensions.Options;
using Newsletter.Host.Hosting;

// Verbs: (none) runs the service; "migrate" applies database migrations and exits (once per deploy);
// "create-staff EMAIL" creates a staff account.
var verb = args.FirstOrDefault(a => !a.StartsWith('-'))?.ToLowerInvariant();
var verbArguments = verb is null ? [] : CommandLine.Positional(args.SkipWhile(a => !a.Equals(verb, StringComparison.OrdinalIgnoreCase)).Skip(1).ToList());
// Settings files travel with the binary; ./data and ./templates stay relative to where you run it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args.Where(a => a != verb && !verbArguments.Contains(a)).ToArray(),
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddNewsletter();
var app = builder.Build();
app.UseNewsletter();
try
{
    return verb switch
    {
        null or "run" => await RunAsync(app),
        "migrate" => await CommandLine.MigrateAsync(app),
        "create-staff" => await CommandLine.CreateStaffAsync(app.Services, verbArguments, app.Configuration["role"], Console.In, Console.IsInputRedirected, Console.Out),
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
