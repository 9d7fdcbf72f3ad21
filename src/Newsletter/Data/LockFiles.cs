namespace Newsletter.Data;

/// <summary>
/// Files a process holds with an exclusive lock while it lives (a digest run's journal, the outbox's claimant file).
/// The kernel drops the lock when the process dies, however it dies, so a file whose lock we can take was left behind
/// by a process that is gone.
/// </summary>
internal static class LockFiles
{
    /// <summary>The file, opened and locked by us, when no live process holds it; null while one does, or when it is gone.</summary>
    public static FileStream? TryTakeLeftBehind(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
