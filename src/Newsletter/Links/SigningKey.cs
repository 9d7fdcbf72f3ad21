using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Links;

/// <summary>
/// The secret bytes behind link tokens: configured, or generated and persisted on the embedded default. The setting is
/// checked at start-up (<see cref="SigningKeyOptionsValidator"/>); the checks here stay for a container built without it.
/// </summary>
public sealed class SigningKey
{
    public const int MinimumBytes = 32;

    public SigningKey(IOptions<SigningKeyOptions> options, IOptions<DatabaseOptions> database, DataDirectory dataDirectory)
    {
        Bytes = Load(options.Value, database.Value, dataDirectory);
        _mac = new HmacSha256(Bytes);
    }

    private static byte[] Load(SigningKeyOptions options, DatabaseOptions database, DataDirectory dataDirectory)
    {
        var configured = options.SigningKey;
        if (!string.IsNullOrWhiteSpace(configured))
            return Decode(configured) ?? throw new OptionsValidationException(
                "Security:SigningKey", typeof(SigningKeyOptions), [$"Security:SigningKey must be base64 of at least {MinimumBytes} bytes."]);
        if (database.Provider != DatabaseProvider.Sqlite)
            throw new OptionsValidationException("Security:SigningKey", typeof(SigningKeyOptions),
                ["Security:SigningKey is required outside the embedded default (every worker must sign links with the same key)."]);
        return LoadOrCreate(dataDirectory.Resolve("signing-key"));
    }

    public byte[] Bytes { get; }

    private readonly HmacSha256 _mac;

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under this key, into <paramref name="mac"/> (32 bytes).</summary>
    public void Mac(ReadOnlySpan<byte> data, Span<byte> mac) => _mac.Compute(data, mac);

    public static byte[]? Decode(string base64)
    {
        try
        {
            var bytes = Convert.FromBase64String(base64.Trim());
            return bytes.Length >= MinimumBytes ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
            return Decode(File.ReadAllText(path)) ?? throw new InvalidOperationException($"The signing key in {path} is not valid base64 of {MinimumBytes}+ bytes.");
        var bytes = RandomNumberGenerator.GetBytes(MinimumBytes);
        // Write to a temporary file, flush it to disk and move it, so a crash never leaves half a key (or an empty file)
        // behind. The file is created owner-only (0600, the mode given to open(2)), not made so after the key is in it:
        // no moment where another user could read it. A new name (CreateNew: never an existing file or link).
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, create))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)));
            file.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process on the same data directory made the key first: use that one, so links stay valid.
            File.Delete(temporary);
            return Decode(File.ReadAllText(path)) ?? throw new InvalidOperationException($"The signing key in {path} is not valid base64 of {MinimumBytes}+ bytes.");
        }
        return bytes;
    }
}
