using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>
/// A real Dovecot IMAP server (Debian's dovecot-imapd) on 127.0.0.1, started by the test with a throwaway
/// configuration, mail directory and passwd file: no service, no TLS, plaintext login, users with dovecot's uid.
/// Needs root (dovecot's master drops to its own users); <c>scripts/ci-deps.sh</c> installs the package.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string Password = "imap-test-password";
    private readonly string _config;

    public DovecotServer(params string[] users)
    {
        if (!File.Exists("/usr/sbin/dovecot"))
            throw new InvalidOperationException("Dovecot is not installed: apt-get install -y dovecot-imapd (scripts/ci-deps.sh does it as root).");
        Directory = Path.Combine(Path.GetTempPath(), "newsletter-dovecot", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "mail"));
        // Dovecot's own users must reach the mail directory through every parent.
        Run("chmod", $"755 {Path.GetDirectoryName(Directory)} {Directory}");
        var uid = Id("-u", "dovecot");
        var gid = Id("-g", "dovecot");
        Run("chown", $"dovecot:dovecot {Path.Combine(Directory, "mail")}");
        File.WriteAllLines(Path.Combine(Directory, "passwd"),
            users.Select(u => $"{u}:{{PLAIN}}{Password}:{uid}:{gid}::{Path.Combine(Directory, "mail", u)}::"));
        Port = FreePort();
        _config = Path.Combine(Directory, "dovecot.conf");
        File.WriteAllText(_config, $$"""
            base_dir = {{Directory}}/run
            state_dir = {{Directory}}/state
            log_path = {{Directory}}/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            default_internal_user = dovecot
            default_login_user = dovenull
            first_valid_uid = {{uid}}
            mail_location = maildir:~/Maildir
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{Directory}}/passwd
            }
            userdb {
              driver = passwd-file
              args = username_format=%u {{Directory}}/passwd
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            protocol imap {
              mail_max_userip_connections = 100
            }
            """);
        Start();
        // The fixture's dispose may not run (a crashed or cancelled test run): never leave a daemon behind the test process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    public string Directory { get; }
    public int Port { get; }

    public void Start()
    {
        // Through the shell with its output to a file: the daemon keeps whatever stdout it was given, and a pipe would never close.
        Run("/bin/sh", $"-c \"/usr/sbin/dovecot -c {_config} >>{Directory}/start.log 2>&1\"");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    public void Stop()
    {
        Run("/bin/sh", $"-c \"/usr/sbin/dovecot -c {_config} stop >>{Directory}/start.log 2>&1\"");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (File.Exists(Path.Combine(Directory, "run", "master.pid")) && DateTime.UtcNow < deadline) Thread.Sleep(100);
    }

    /// <summary>An authenticated client for <paramref name="user"/>, as a mail client (or the MTA's delivery) would use.</summary>
    public async Task<ImapClient> ConnectAsync(string user)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, Password);
        return client;
    }

    /// <summary>Delivers a raw message into a user's folder (IMAP APPEND, as an MTA's local delivery would).</summary>
    public async Task DeliverAsync(string user, byte[] raw, string folder = "INBOX")
    {
        using var client = await ConnectAsync(user);
        var target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder);
        await target.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(raw))));
        await client.DisconnectAsync(true);
    }

    /// <summary>How many messages are in a folder (0 when it does not exist yet).</summary>
    public async Task<int> CountAsync(string user, string folder)
    {
        using var client = await ConnectAsync(user);
        IMailFolder target;
        try { target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder); }
        catch (FolderNotFoundException) { return 0; }
        await target.OpenAsync(FolderAccess.ReadOnly);
        var count = target.Count;
        await client.DisconnectAsync(true);
        return count;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Id(string flag, string user) => Run("id", $"{flag} {user}").Trim();

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error}{output}");
        return output;
    }

    public ValueTask DisposeAsync()
    {
        if (!System.IO.Directory.Exists(Directory)) return ValueTask.CompletedTask;
        try { Stop(); } catch (InvalidOperationException) { }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
