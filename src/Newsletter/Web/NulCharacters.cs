using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Newsletter.Web;

/// <summary>
/// PostgreSQL refuses a NUL (U+0000) in any text, stored or as a query parameter (SQLSTATE 22021), so a NUL that
/// reached a query or an insert answered 500 there (SQLite takes it). A NUL is never meaningful input here, so it is
/// refused at the door with a 400 problem, before any handler runs: in a query string ("%00"), and in a JSON body's
/// strings ("\u0000"). Kestrel refuses one in the path; a form field's is refused by <see cref="PublicForm"/> (and by
/// ASP.NET's reader for a URL-encoded form); CSV rows by their own validators. Checked here rather than by a JSON
/// converter for strings, which would hide every string's type from the OpenAPI document.
/// </summary>
public static class NulCharacters
{
    /// <summary>After the body limits (<see cref="RequestBodyLimit"/>): a JSON body is read only as far as its endpoint allows.</summary>
    public static IApplicationBuilder UseNulRefused(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.QueryString.HasValue && AnyIn(request.Query))
        {
            await RefuseAsync(context, "The address contains a NUL character.");
            return;
        }
        if (request.HasJsonContentType() && request.ContentLength is not 0)
        {
            request.EnableBuffering();
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, context.RequestAborted);
            request.Body.Position = 0;
            if (HasNulInStrings(body.GetBuffer().AsSpan(0, (int)body.Length)))
            {
                await RefuseAsync(context, "A string in the body contains a NUL character.");
                return;
            }
        }
        await next(context);
    });

    /// <summary>Whether a name or a value of a query string or a form has a NUL.</summary>
    public static bool AnyIn(IEnumerable<KeyValuePair<string, StringValues>> fields) =>
        fields.Any(f => f.Key.Contains('\0') || f.Value.Any(v => v?.Contains('\0') == true));

    /// <summary>Whether a string or property name decodes to a NUL; false for JSON that does not parse (its endpoint says so).</summary>
    public static bool HasNulInStrings(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                // Only an escape can make a NUL: a raw 0x00 byte is not valid JSON.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && reader.GetString()!.Contains('\0'))
                    return true;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is not valid UTF-16 (half a surrogate pair): the endpoint refuses it as it is.
        }
        return false;
    }

    private static async Task RefuseAsync(HttpContext context, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        // TryWrite: a client that accepts neither JSON nor a page (Accept: text/csv) gets the bare 400, not an exception.
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status400BadRequest, Title = "The request could not be read", Detail = detail },
        });
    }
}
