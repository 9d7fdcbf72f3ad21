using Microsoft.Extensions.Options;

namespace Newsletter.Templates;

/// <summary>Checked at start-up like every other setting: the template folder must be named.</summary>
public sealed class TemplateFolderOptionsValidator : IValidateOptions<TemplateFolderOptions>
{
    public ValidateOptionsResult Validate(string? name, TemplateFolderOptions options) =>
        string.IsNullOrWhiteSpace(options.Directory)
            ? ValidateOptionsResult.Fail("Templates:Directory must name the folder of the Liquid templates.")
            : ValidateOptionsResult.Success;
}
