using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Newsletter.Web;

/// <summary>
/// Staff API access with a key: <c>Authorization: Bearer {key}</c> or <c>X-Api-Key: {key}</c>, checked in constant time.
/// For scripts and the CMS; people use the dashboard's login. No key configured means no key works.
/// </summary>
public sealed class StaffApiKeyAuthentication(IOptionsMonitor<StaffApiKeyOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<StaffApiKeyOptions>(options, logger, encoder)
{
    public const string SchemeName = "StaffApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers["X-Api-Key"].ToString();
        var authorization = Request.Headers.Authorization.ToString();
        if (presented.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) presented = authorization["Bearer ".Length..].Trim();
        if (presented.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        var configured = Options.Key;
        if (string.IsNullOrEmpty(configured) || !CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key"), new Claim(ClaimTypes.Role, StaffRoles.Owner)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

public sealed class StaffApiKeyOptions : AuthenticationSchemeOptions
{
    /// <summary>From Security:StaffApiKey; at least 32 characters.</summary>
    public string? Key { get; set; }
}

public static class StaffRoles
{
    public const string Owner = "Owner";
    public const string Editor = "Editor";

    /// <summary>The authorization policy every staff endpoint requires.</summary>
    public const string StaffPolicy = "Staff";
}
