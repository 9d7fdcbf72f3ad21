using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Newsletter.Web;

/// <summary>
/// Per-endpoint body limits, enforced before anything reads the body: a declared Content-Length over the limit gets
/// 413 with problem details at once; the body is wrapped so that reading past the limit fails with 413 too (a chunked
/// upload declares no length), and the server's own limit (Kestrel) is set to the same number for a declared length.
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
            // Kestrel counts a chunked body's framing (sizes, CRLFs) against its limit, so at the same number a chunked
            // body of exactly the limit, or a few bytes under it, was refused. The exact limit on the content is the
            // stream below; Kestrel keeps a bound on the wire with room for the framing of chunks as small as one byte.
            if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = context.Request.ContentLength is null ? max * ChunkFramingAllowance + 1024 : max;
            context.Request.Body = new LimitedReadStream(context.Request.Body, max);
        }
        await next(context);
    });

    /// <summary>A one-byte chunk takes six bytes on the wire ("1", CRLF, the byte, CRLF); eight leaves room for extensions.</summary>
    private const long ChunkFramingAllowance = 8;

    private sealed record Limit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}

/// <summary>Endpoint metadata for a body limit that comes from settings (an import's largest file).</summary>
public interface IBodyLimitSource
{
    long MaxBytes(IServiceProvider services);
}
