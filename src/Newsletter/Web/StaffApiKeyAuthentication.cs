using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.ApiKeys;

namespace Newsletter.Web;

/// <summary>
/// API keys: <c>Authorization: Bearer {key}</c> or <c>X-Api-Key: {key}</c>, valid only under <c>/api</c>. A key is the
/// one from settings (every scope, compared in constant time) or a named key made on the dashboard (its scopes; see
/// <see cref="ApiKeyStore"/>). A client that sends too many wrong keys gets 429 for the rest of the minute.
/// </summary>
public sealed partial class StaffApiKeyAuthentication(
    IOptionsMonitor<StaffApiKeyOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, IOptions<ApiKeyOptions> keys, ApiKeyFailures failures)
    : AuthenticationHandler<StaffApiKeyOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "StaffApiKey";

    /// <summary>The actor name of the key from settings (named keys are "api-key:{name}").</summary>
    public const string SettingsKeyName = "api-key:settings";

    private const string BlockedItem = "ApiKeyBlocked";
    private const string NoAddressItem = "ApiKeyNoClientAddress";

    /// <summary>True when the request presents a key (the policy scheme sends such /api requests here).</summary>
    public static bool Presents(HttpRequest request) =>
        request.Headers.ContainsKey("X-Api-Key") || request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Where keys count: the API, and the metrics scrape endpoint when it shares the service's port (Prometheus sends
    /// the key as a bearer token). Not the dashboard, not the jobs.
    /// </summary>
    public static bool Covers(HttpRequest request)
    {
        if (request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return true;
        var metrics = request.HttpContext.RequestServices.GetService<IOptions<Observability.MetricsOptions>>()?.Value;
        return metrics is { Enabled: true, Port: null } && request.Path.Equals(metrics.Path, StringComparison.OrdinalIgnoreCase);
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Covers(Request)) return AuthenticateResult.NoResult();
        var presented = Request.Headers["X-Api-Key"].ToString();
        var authorization = Request.Headers.Authorization.ToString();
        if (presented.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) presented = authorization["Bearer ".Length..].Trim();
        if (presented.Length == 0) return AuthenticateResult.NoResult();
        // Wrong keys are counted per client; with no client address they could not be, so no key is tried at all.
        var client = ClientAddress.PartitionOf(Context.Connection.RemoteIpAddress);
        if (client is null)
        {
            Context.Items[NoAddressItem] = true;
            return AuthenticateResult.Fail("The request has no client address.");
        }
        if (!failures.MayTry(client))
        {
            Context.Items[BlockedItem] = true;
            return AuthenticateResult.Fail("Too many wrong API keys from this address.");
        }
        if (MatchesSettings(presented)) return Success(SettingsKeyName, ApiScopes.All);
        var key = await Context.RequestServices.GetRequiredService<ApiKeyStore>().FindAsync(presented, Context.RequestAborted);
        if (key is not null) return Success("api-key:" + key.Name, key.ScopeList);
        failures.Record(client);
        LogWrongKey(Logger, client);
        return AuthenticateResult.Fail("The API key is not valid.");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(NoAddressItem))
        {
            await ClientAddress.RefuseAsync(Context);
            return;
        }
        if (Context.Items.ContainsKey(BlockedItem))
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = "60";
            await Results.Problem(statusCode: 429, title: "Too many wrong API keys", detail: "Wait a minute before trying again.").ExecuteAsync(Context);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "API key required",
            detail: "Send a valid key as X-Api-Key or Authorization: Bearer.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: 403, title: "The API key lacks the scope",
            detail: "This request needs " + (Request.Path.StartsWithSegments("/api/admin") ? ApiScopes.ForAdmin(Request.Method) : ApiScopes.ArticlesPush) + ".").ExecuteAsync(Context);
    }

    private bool MatchesSettings(string presented)
    {
        var configured = keys.Value.StaffApiKey;
        return !string.IsNullOrEmpty(configured) && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
    }

    private AuthenticateResult Success(string name, IEnumerable<string> scopes)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        claims.AddRange(scopes.Select(scope => new Claim(ApiScopes.ClaimType, scope)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    [LoggerMessage(EventId = 9500, EventName = "ApiKeyRefused", Level = LogLevel.Warning, Message = "A wrong API key was presented from {Client}")]
    private static partial void LogWrongKey(ILogger logger, string client);
}

/// <summary>The scheme's options: none beyond the framework's (the keys come from <see cref="ApiKeyOptions"/> and the database).</summary>
public sealed class StaffApiKeyOptions : AuthenticationSchemeOptions;

public static class StaffRoles
{
    public const string Owner = "Owner";
    public const string Editor = "Editor";

    /// <summary>The authorization policy every dashboard page requires (a staff login; API keys never pass it).</summary>
    public const string StaffPolicy = "Staff";
}
