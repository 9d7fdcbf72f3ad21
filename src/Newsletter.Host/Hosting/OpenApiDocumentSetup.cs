using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Newsletter.Host.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: the <c>/api</c> endpoints only, titled "Newsletter API", with the
/// API key as a security scheme (sent as <c>X-Api-Key</c> or <c>Authorization: Bearer</c>, see
/// <c>Web/StaffApiKeyAuthentication</c>) required by every operation behind an authorization policy, and an operationId
/// on every operation: the endpoint's own name (<c>WithName</c>) or one made from its method and route.
/// </summary>
public static class OpenApiDocumentSetup
{
    public const string Title = "Newsletter API";
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddNewsletterOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = Title;
            document.Info.Version = "v1";
            document.Info.Description = "Sign-ups from blogs (no key), article pushes from the CMS and the staff API (an API key: the " +
                "Security:StaffApiKey setting or a named key made on the dashboard's API keys page, with its scopes).";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                Description = "The API key in the X-Api-Key header.",
            };
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "The same API key as Authorization: Bearer {key}.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            operation.OperationId ??= OperationId(description.HttpMethod ?? "GET", description.RelativePath ?? string.Empty);
            var metadata = description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                // Either header works: two alternative requirements.
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }
            return Task.CompletedTask;
        });
    });

    /// <summary>
    /// "POST api/admin/digests/{id}/retry-failed" becomes "postAdminDigestsByIdRetryFailed": unique because the method
    /// and route are, and stable while the route is.
    /// </summary>
    public static string OperationId(string method, string relativePath)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var isParameter = segment.StartsWith('{');
            var name = isParameter ? segment.Trim('{', '}').Split(':')[0] : segment;
            if (isParameter) id.Append("By");
            foreach (var word in name.Split('-', '_', '.'))
                if (word.Length > 0) id.Append(char.ToUpper(word[0], CultureInfo.InvariantCulture)).Append(word[1..]);
        }
        return id.ToString();
    }
}
