using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Links;

namespace Newsletter.Staff;

/// <summary>
/// At start-up of a web process: while no staff account exists, the setup token goes into the log and into
/// <c>{DataDirectory}/setup-token</c> (mode 0600); once one exists, the file is removed.
/// </summary>
public sealed partial class FirstRunSetup(IServiceScopeFactory scopes, SetupToken token, DataDirectory dataDirectory, IOptions<SiteOptions> site, ILogger<FirstRunSetup> logger)
{
    public const string FileName = "setup-token";

    public string TokenPath => dataDirectory.Resolve(FileName);

    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<StaffAccounts>().AnyAsync(cancellationToken))
        {
            Forget();
            return;
        }
        SecretFile.Write(TokenPath, token.Value + Environment.NewLine, overwrite: true);
        LogSetupToken(logger, site.Value.BaseUrl.TrimEnd('/') + "/admin/setup", token.Value, TokenPath);
    }

    /// <summary>Removes the token file: setup is done.</summary>
    public void Forget()
    {
        if (File.Exists(TokenPath)) File.Delete(TokenPath);
    }

    [LoggerMessage(EventId = 9010, EventName = "FirstRunSetupToken", Level = LogLevel.Warning,
        Message = "No staff account exists yet. Create the owner at {SetupUrl} with the setup token {SetupToken} (also in {TokenPath})")]
    private static partial void LogSetupToken(ILogger logger, string setupUrl, string setupToken, string tokenPath);
}
