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

    /// <summary>
    /// How often each process reloads staff edits from the database. An edit saved in one process is in force in the
    /// others at most this long after the save.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most Liquid statements one render may execute (Fluid's step limit): a loop that would run for ever stops
    /// here. A digest of 30 articles takes a few hundred.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1_000, 100_000_000)]
    public int MaxSteps { get; set; } = 100_000;

    /// <summary>How long one render may take before the page or mail gives up on it (and falls back to the file's version).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RenderTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
