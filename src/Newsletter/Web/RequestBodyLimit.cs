using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Newsletter.Web;

/// <summary>
/// Per-endpoint body limits, enforced before anything reads the body: a declared Content-Length over the limit gets
/// 413 with problem details at once; the body is wrapped so that reading past the limit fails with 413 too (a chunked
/// upload declares no length), and the server's own limit (Kestrel) is set to the same number.
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>Public forms and the JSON API: a sign-up is a few hundred bytes.</summary>
    public const long Small = 16 * 1024;

    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Limit(maxBytes));

    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var metadata = context.GetEndpoint()?.Metadata;
        // A limit from settings (imports) wins over the fixed one, which such endpoints switch off for the server.
        var limit = metadata?.GetMetadata<IBodyLimitSource>()?.MaxBytes(context.RequestServices)
            ?? metadata?.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        if (limit is long max)
        {
            if (context.Request.ContentLength > max)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await Results.Problem(statusCode: 413, title: "Request body too large",
                    detail: $"This endpoint accepts at most {max} bytes.").ExecuteAsync(context);
                return;
            }
            var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = max;
            context.Request.Body = new LimitedReadStream(context.Request.Body, max);
        }
        await next(context);
    });

    private sealed record Limit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}

/// <summary>Endpoint metadata for a body limit that comes from settings (an import's largest file).</summary>
public interface IBodyLimitSource
{
    long MaxBytes(IServiceProvider services);
}
