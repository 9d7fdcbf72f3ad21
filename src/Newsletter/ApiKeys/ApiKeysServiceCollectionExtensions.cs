using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Web;

namespace Newsletter.ApiKeys;

public static class ApiKeysServiceCollectionExtensions
{
    /// <summary>Named, scoped API keys (hashed at rest), the key from settings, the wrong-key limit, and the /api policies.</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.StaffApiKey) || o.StaffApiKey.Length >= ApiKeyOptions.MinimumKeyLength,
                $"Security:StaffApiKey must be at least {ApiKeyOptions.MinimumKeyLength} characters (for example: openssl rand -base64 32).")
            .ValidateOnStart();
        services.AddScoped<ApiKeyStore>();
        services.AddSingleton<ApiKeyFailures>();
        services.AddSingleton<IAuthorizationHandler, AdminApiScopeHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiScopes.ArticlesPushPolicy, policy => policy.AddAuthenticationSchemes(StaffApiKeyAuthentication.SchemeName)
                .RequireAuthenticatedUser().RequireClaim(ApiScopes.ClaimType, ApiScopes.ArticlesPush))
            .AddPolicy(ApiScopes.AdminPolicy, policy => policy.AddAuthenticationSchemes(StaffApiKeyAuthentication.SchemeName)
                .RequireAuthenticatedUser().AddRequirements(new AdminApiScopeRequirement()));
        return services;
    }
}

/// <summary>The staff API's rule: GET and HEAD need admin:read, every other method admin:write.</summary>
public sealed class AdminApiScopeRequirement : IAuthorizationRequirement;

internal sealed class AdminApiScopeHandler : AuthorizationHandler<AdminApiScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminApiScopeRequirement requirement)
    {
        if (context.Resource is HttpContext http && context.User.HasClaim(ApiScopes.ClaimType, ApiScopes.ForAdmin(http.Request.Method)))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
