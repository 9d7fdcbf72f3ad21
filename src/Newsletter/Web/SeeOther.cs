using Microsoft.AspNetCore.Http;

namespace Newsletter.Web;

/// <summary>
/// 303 See Other: the browser follows with a GET whatever method brought it here, so after a form post (sign-up,
/// donate) a refresh or Back shows the page it landed on and never posts the form again.
/// </summary>
public sealed class SeeOther(string url) : IResult
{
    public string Url => url;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers.Location = url;
        return Task.CompletedTask;
    }
}
