namespace Newsletter.Web;

/// <summary>
/// Ties validation errors to their form fields for the Liquid pages: <c>field_errors</c> maps a field to its message
/// (the template puts <c>aria-invalid</c>, <c>aria-describedby</c> and the message beside the input), and
/// <c>first_error</c> names the first invalid field in the form's order, which gets <c>autofocus</c>: the public pages
/// run no script, and autofocus moves the keyboard and screen reader there all the same.
/// </summary>
public static class FieldErrors
{
    /// <summary>Adds <c>field_errors</c> and <c>first_error</c> to a page model; <paramref name="formOrder"/> lists the error keys as the form shows them.</summary>
    public static Dictionary<string, object?> AddTo(Dictionary<string, object?> model, IReadOnlyDictionary<string, string[]> errors, params string[] formOrder)
    {
        var byField = errors.Where(e => e.Value.Length > 0).ToDictionary(e => e.Key, e => (object?)string.Join(" ", e.Value), StringComparer.Ordinal);
        model["field_errors"] = byField;
        model["first_error"] = formOrder.FirstOrDefault(byField.ContainsKey);
        return model;
    }
}
