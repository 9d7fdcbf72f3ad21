namespace Newsletter.Data;

/// <summary>Writes a secret to a file that is readable by this user only from the moment it exists (0600 at creation).</summary>
public static class SecretFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file created with mode 0600 (never
    /// created wider and narrowed afterwards), then moves it into place, so a crash never leaves half a secret.
    /// <paramref name="overwrite"/> false fails when the file exists.
    /// </summary>
    public static void Write(string path, string text, bool overwrite)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(text);
            File.Move(temporary, path, overwrite);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
