using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Newsletter.Web;

/// <summary>
/// PostgreSQL refuses a NUL (U+0000) in any text, stored or as a query parameter (SQLSTATE 22021), so a NUL that
/// reaches a query or an insert answered 500 there (SQLite takes it). A NUL is never meaningful input here: it is
/// refused at the door, once for every endpoint. A query string ("%00") gets a 400 problem before any handler runs,
/// and a JSON string ("\u0000") fails to read as a malformed body does (400). Kestrel already refuses one in the path,
/// and ASP.NET's form reader in a form; CSV rows are checked by their own validators.
/// </summary>
public static class NulCharacters
{
    public static IServiceCollection AddNulRefusal(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new NulFreeStrings()));

    public static IApplicationBuilder UseNulInQueryRefused(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.QueryString.HasValue && context.Request.Query.Any(p => p.Key.Contains('\0') || p.Value.Any(v => v?.Contains('\0') == true)))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status400BadRequest, Title = "The request could not be read", Detail = "The address contains a NUL character." },
            });
            return;
        }
        await next(context);
    });

    /// <summary>Reads JSON strings as usual, but a string with a NUL in it is a malformed body.</summary>
    private sealed class NulFreeStrings : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return value?.Contains('\0') == true ? throw new JsonException("A string contains a NUL character.") : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
