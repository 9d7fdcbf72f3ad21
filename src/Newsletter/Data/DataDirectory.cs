namespace Newsletter.Data;

/// <summary>
/// The folder for embedded-default state: the SQLite file, the pickup outbox, the generated signing key.
/// Relative paths are resolved against the working directory, so <c>./data</c> is beside where you run.
/// </summary>
public sealed class DataDirectory
{
    public DataDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? "data" : path);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the data directory, or <paramref name="relativeOrAbsolute"/> itself when absolute.</summary>
    public string Resolve(string relativeOrAbsolute) =>
        System.IO.Path.IsPathRooted(relativeOrAbsolute)
            ? relativeOrAbsolute
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relativeOrAbsolute));
}
