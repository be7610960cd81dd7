using System.Text.Json;
using Wrenn.Agent.Runtimes;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// The on-disk record of each sandbox (<see cref="SandboxRecord"/>, $WRENN_DIR/sandboxes/&lt;name&gt;/sandbox.json)
/// and the envd token kept beside a VM's saved memory.
/// </summary>
public sealed class SandboxRecordStore(IRuntime runtime, Microsoft.Extensions.Options.IOptions<AgentOptions> agentOptions, ILogger<SandboxRecordStore> logger)
{
    /// <summary>
    /// Beside a VM template's or base snapshot's memory: the token its envd holds, with which the agent
    /// gives each sandbox restored from it a token of its own.
    /// </summary>
    private const string EnvdTokenFileName = "envd-token";

    private static FileStreamOptions OwnerOnly => new() { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };

    /// <summary>
    /// As <see cref="OwnerOnly"/>, but an existing file is written over rather than truncated first (ext4
    /// writes out a file truncated to nothing when it is closed, auto_da_alloc), and without the stream's
    /// buffer: the caller writes all its bytes at once and then cuts the file to their length.
    /// </summary>
    private static FileStreamOptions OwnerOnlyReused => new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, BufferSize = 0 };

    /// <summary>$WRENN_DIR/sandboxes: one directory per sandbox.</summary>
    public string SandboxesDirectory => agentOptions.Value.SandboxesDir;

    /// <summary>
    /// Writes the sandbox's record as it is now, in place when this returns; <paramref name="pooled"/>
    /// while it waits in the warm pool.
    /// </summary>
    public Task WriteAsync(Sandbox sandbox, CancellationToken cancellationToken, bool pooled = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = new SandboxRecord(
            sandbox.Id,
            sandbox.Spec.Template,
            runtime.Name,
            sandbox.Slot?.Index,
            sandbox.Spec.Vcpus,
            sandbox.Spec.MemoryMb,
            sandbox.TimeoutSec,
            sandbox.StartedAt,
            sandbox.State == SandboxState.Paused,
            sandbox.EnvdAccessToken,
            sandbox.Spec.TeamId,
            sandbox.EnvdVersion,
            pooled,
            sandbox.Spec.Environment);

        // Written aside and then put in place in one step: a crash mid-write must not leave a record that
        // cannot be read, and a reader never finds none. One synchronous write of a few hundred bytes: an
        // asynchronous FileStream's thread pool hops cost more than the write.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, AgentJsonContext.Default.SandboxRecord);
        var path = Path.Combine(sandbox.Directory, SandboxRecord.FileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, OwnerOnlyReused))
        {
            file.Write(bytes);
            file.SetLength(bytes.Length);
        }

        if (!runtime.Capabilities.MemorySnapshots && TryExchange(temporary, path))
        {
            return Task.CompletedTask;
        }

        File.Move(temporary, path, overwrite: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Swaps the new record with the old one (renameat2 RENAME_EXCHANGE); false when there is no old one.
    /// A rename over an existing file makes ext4 start writing the new file out first (auto_da_alloc, its
    /// guard for programs that do not fsync): the record step of a container pause or resume took 1.7-2.3 ms
    /// (p50) on a busy host that way, and 0.5 ms with the exchange. A container does not outlive a host restart, so its record has to
    /// survive an agent crash only, for which the page cache is enough. A VM paused to disk can be resumed
    /// after a host restart, so its record keeps the guard (a plain rename over).
    /// </summary>
    private static bool TryExchange(string temporary, string path)
    {
        if (Os.LibC.RenameAt2(Os.LibC.AT_FDCWD, temporary, Os.LibC.AT_FDCWD, path, Os.LibC.RENAME_EXCHANGE) == 0)
        {
            return true;
        }

        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        return errno == Os.LibC.ENOENT
            ? false
            : throw new IOException($"renameat2 {temporary} {path} (RENAME_EXCHANGE) failed: errno {errno}");
    }

    /// <summary>The record in <paramref name="directory"/>, or null when there is none or it cannot be read.</summary>
    public async Task<SandboxRecord?> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, SandboxRecord.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var file = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(file, AgentJsonContext.Default.SandboxRecord, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            logger.UnreadableRecord(ex, path);
            return null;
        }
    }

    /// <summary>The envd token saved beside a VM's memory; null for one saved before envd started with a token.</summary>
    public static async Task<string?> ReadEnvdTokenAsync(string memoryDirectory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(memoryDirectory, EnvdTokenFileName);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim() : null;
    }

    /// <summary>Writes the envd token beside a VM's memory, readable by the agent alone.</summary>
    public static async Task WriteEnvdTokenAsync(string memoryDirectory, string token, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(Path.Combine(memoryDirectory, EnvdTokenFileName), OwnerOnly);
        await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A fresh envd access token: 256 random bits.</summary>
    public static string NewEnvdToken() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
