using Newsletter.Data;

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

    public static int Unknown(string verb)
    {
        Console.Error.WriteLine($"Unknown command '{verb}'. Commands: run (default), migrate.");
        return 2;
    }
}
