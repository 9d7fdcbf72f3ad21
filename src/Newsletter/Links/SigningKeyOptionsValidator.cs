using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Links;

/// <summary>
/// Checked at start-up like every other setting: a configured key must be base64 of at least
/// <see cref="SigningKey.MinimumBytes"/> bytes, and outside the embedded default (SQLite) one is required, because every
/// worker must sign links with the same key.
/// </summary>
public sealed class SigningKeyOptionsValidator(IOptions<DatabaseOptions> database) : IValidateOptions<SigningKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningKeyOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
            return SigningKey.Decode(options.SigningKey) is null
                ? ValidateOptionsResult.Fail($"Security:SigningKey must be base64 of at least {SigningKey.MinimumBytes} bytes.")
                : ValidateOptionsResult.Success;
        return database.Value.Provider == DatabaseProvider.Sqlite
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Security:SigningKey is required outside the embedded default (every worker must sign links with the same key).");
    }
}
