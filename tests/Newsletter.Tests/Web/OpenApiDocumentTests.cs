using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>The OpenAPI document read as an integrator's generator would: every operation named, summarised and secured as the server enforces.</summary>
[Collection(HostCollection.Name)]
public sealed class OpenApiDocumentTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task Every_operation_has_a_unique_operation_id_a_summary_and_the_api_key_wherever_the_server_asks_for_one()
    {
        var reader = app.CreateReaderClient();
        using var document = JsonDocument.Parse(await reader.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        Assert.Equal("Newsletter API", root.GetProperty("info").GetProperty("title").GetString());

        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        var apiKey = schemes.GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (apiKey.GetProperty("type").GetString(), apiKey.GetProperty("in").GetString(), apiKey.GetProperty("name").GetString()));
        Assert.Equal(("http", "bearer"), (schemes.GetProperty("Bearer").GetProperty("type").GetString(), schemes.GetProperty("Bearer").GetProperty("scheme").GetString()));

        // Strings say so (a converter for strings once left every one of them an empty schema, "any" to a client generator).
        var article = root.GetProperty("components").GetProperty("schemas").GetProperty("ArticleSummary").GetProperty("properties");
        Assert.Equal("string", article.GetProperty("title").GetProperty("type").GetString());
        Assert.Contains("string", article.GetProperty("author").GetProperty("type").EnumerateArray().Select(t => t.GetString()));

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var operations = 0;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                operations++;
                var what = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var id = operation.Value.TryGetProperty("operationId", out var idValue) ? idValue.GetString() : null;
                if (string.IsNullOrWhiteSpace(id)) problems.Add(what + ": no operationId");
                else if (!ids.Add(id)) problems.Add($"{what}: operationId {id} is used twice");
                if (!operation.Value.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString())) problems.Add(what + ": no summary");
                var secured = operation.Value.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(requirement => requirement.TryGetProperty("ApiKey", out _));
                // What the server enforces, asked without a key: the document must say the same.
                var contentType = operation.Value.TryGetProperty("requestBody", out var body) ? body.GetProperty("content").EnumerateObject().First().Name : null;
                var needsKey = await StatusWithoutKeyAsync(reader, operation.Name, path.Name, contentType) == HttpStatusCode.Unauthorized;
                if (needsKey != secured) problems.Add($"{what}: the server {(needsKey ? "asks for" : "does not ask for")} a key, the document {(secured ? "does" : "does not")}");
            }
        }
        Assert.True(operations >= 30, $"only {operations} operations in the document");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_documented_key_works_in_either_header_and_nothing_else_opens_the_admin_api()
    {
        var client = app.CreateReaderClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/admin/subscribers")).StatusCode);
        using var header = new HttpRequestMessage(HttpMethod.Get, "/api/admin/subscribers");
        header.Headers.Add("X-Api-Key", NewsletterApp.StaffApiKey);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(header)).StatusCode);
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/admin/subscribers");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NewsletterApp.StaffApiKey);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(bearer)).StatusCode);
    }

    /// <summary>
    /// The status of a bare request (route values filled with 1, an empty body of the documented type): only a 401
    /// matters here. A sign-up with an empty body is refused before anything happens; nothing here changes data.
    /// </summary>
    private static async Task<HttpStatusCode> StatusWithoutKeyAsync(HttpClient client, string method, string path, string? contentType)
    {
        var url = System.Text.RegularExpressions.Regex.Replace(path, "\\{[^}]+\\}", "1");
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
        if (contentType is not null)
            request.Content = new StringContent(contentType.Contains("json") ? "{}" : "", System.Text.Encoding.UTF8, contentType);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
