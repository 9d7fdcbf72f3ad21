using Microsoft.AspNetCore.Http;

namespace Newsletter.Web;

/// <summary>Reads a public page's form post; a body that is not a readable form is the sender's mistake, not ours.</summary>
public static class PublicForm
{
    /// <summary>
    /// The posted form, or null when the request carries none or it cannot be read (a broken multipart boundary, a body
    /// cut short, more fields than the form limits allow, a NUL in a field: see <see cref="NulCharacters"/>): the caller
    /// answers with its friendly 400 page.
    /// </summary>
    public static async Task<IFormCollection?> ReadAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType) return null;
        try
        {
            var form = await http.Request.ReadFormAsync(cancellationToken);
            // A URL-encoded form's reader refuses a NUL; a multipart field carries one as it came.
            return NulCharacters.AnyIn(form) ? null : form;
        }
        catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
