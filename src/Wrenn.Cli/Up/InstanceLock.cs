using System.Globalization;

namespace Wrenn.Cli.Up;

/// <summary>
/// One `wrenn up` per $WRENN_DIR: two would share one database, host token and sandbox directories.
/// Held as a lock on $WRENN_DIR/up.lock (released by the kernel however `wrenn up` ends), with the
/// holder's PID in $WRENN_DIR/up.pid for the message the second one prints.
/// </summary>
public sealed class InstanceLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidPath;

    private InstanceLock(FileStream held, string pidPath)
    {
        _lock = held;
        _pidPath = pidPath;
    }

    /// <summary>The lock, or null with the PID of the `wrenn up` that holds it (0 when unknown).</summary>
    public static InstanceLock? TryAcquire(string wrennDir, out int holder)
    {
        holder = 0;
        var pidPath = Path.Combine(wrennDir, "up.pid");
        try
        {
            // FileShare.None is an exclusive flock on Unix: a second opener fails until the holder exits.
            // Owner only, like everything under $WRENN_DIR (nothing there is for other users to read).
            var held = new FileStream(Path.Combine(wrennDir, "up.lock"), new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            using (var pid = new FileStream(pidPath, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            using (var writer = new StreamWriter(pid))
            {
                writer.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            }

            // Files an earlier version made open to others are closed too (the create mode applies to new ones only).
            File.SetUnixFileMode(pidPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(held.Name, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return new InstanceLock(held, pidPath);
        }
        catch (IOException)
        {
            try
            {
                _ = int.TryParse(File.ReadAllText(pidPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out holder);
            }
            catch (IOException)
            {
                // No PID to name.
            }

            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_pidPath);
        }
        catch (IOException)
        {
            // Stale PID files are harmless: the lock, not the file, decides.
        }

        _lock.Dispose();
    }
}
