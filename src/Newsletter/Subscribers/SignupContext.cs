namespace Newsletter.Subscribers;

/// <summary>Where a sign-up came from, recorded as consent: the form, the API, an import.</summary>
public sealed record SignupContext(string Source, string? IpAddress, string? UserAgent)
{
    public static SignupContext From(Microsoft.AspNetCore.Http.HttpContext http, string source)
    {
        var agent = http.Request.Headers.UserAgent.ToString();
        return new SignupContext(source, http.Connection.RemoteIpAddress?.ToString(), agent.Length > 500 ? agent[..500] : agent.Length == 0 ? null : agent);
    }
}
