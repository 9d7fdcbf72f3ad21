using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Newsletter.Web;

/// <summary>
/// Bad input that surfaces as an exception (a body that is not JSON or not UTF-8 when minimal APIs throw on bad
/// requests, as they do in Development; a body past its limit; a form past the form limits) is the client's fault:
/// it gets its 4xx with problem details, never a 500, and is not logged as a server error.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "The request could not be read"),
            // The form reader's limits (field count, value length, multipart sections).
            InvalidDataException when httpContext.Request.HasFormContentType => (StatusCodes.Status400BadRequest, "The form could not be read"),
            // A JSON body declared in a charset .NET does not know ("application/json; charset=bogus").
            InvalidOperationException { InnerException: ArgumentException } when httpContext.Request.HasJsonContentType()
                => (StatusCodes.Status415UnsupportedMediaType, "The request's charset is not supported"),
            _ => (0, null),
        };
        if (status == 0 || httpContext.Response.HasStarted) return false;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = exception.Message },
        });
    }
}
