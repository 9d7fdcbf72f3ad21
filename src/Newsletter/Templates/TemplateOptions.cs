namespace Newsletter.Templates;

/// <summary>Where the Liquid templates live.</summary>
public sealed class TemplateFolderOptions
{
    public const string Section = "Templates";

    /// <summary>
    /// Folder of .liquid files. Relative paths are tried against the working directory first, then beside the
    /// binary (where the build copies the repository's templates/), so both <c>dotnet run</c> and tests find them.
    /// </summary>
    public string Directory { get; set; } = "templates";
}
