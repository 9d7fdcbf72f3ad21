using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Newsletter.Host.Dashboard;

/// <summary>
/// A form post to a dashboard page that names no handler the page has (<c>?handler=</c> missing, mistyped or forged)
/// gets 400. Without this, Razor Pages renders the page without running any handler: the form comes back as if nothing
/// happened, and a page whose model only a handler loads (a digest issue) answers 500.
/// </summary>
public sealed class UnknownHandlerFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var method = context.HttpContext.Request.Method;
        if (context.HandlerMethod is null && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            context.Result = new BadRequestResult();
            return;
        }
        await next();
    }
}
