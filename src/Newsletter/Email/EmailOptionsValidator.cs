using Microsoft.Extensions.Options;

namespace Newsletter.Email;

/// <summary>Cross-field checks that data annotations cannot express.</summary>
public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (options.Transport == EmailTransportKind.Smtp && string.IsNullOrWhiteSpace(options.Smtp.Host))
            failures.Add("Email:Smtp:Host is required when Email:Transport is Smtp.");
        if (!string.IsNullOrEmpty(options.Smtp.Username) && string.IsNullOrEmpty(options.Smtp.Password))
            failures.Add("Email:Smtp:Password is required when Email:Smtp:Username is set.");
        if (options.FromName is not null && HeaderText.ContainsControlCharacters(options.FromName))
            failures.Add("Email:FromName must not contain control characters.");
        if (options.Smtp.ReconnectDelay <= TimeSpan.Zero || options.Smtp.MaxReconnectDelay < options.Smtp.ReconnectDelay)
            failures.Add("Email:Smtp:ReconnectDelay must be positive and no longer than Email:Smtp:MaxReconnectDelay.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
