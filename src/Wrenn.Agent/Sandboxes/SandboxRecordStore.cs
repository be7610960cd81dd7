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

    /// <summary>$WRENN_DIR/sandboxes: one directory per sandbox.</summary>
    public string SandboxesDirectory => agentOptions.Value.SandboxesDir;

    /// <summary>Writes the sandbox's record as it is now; <paramref name="pooled"/> while it waits in the warm pool.</summary>
    public async Task WriteAsync(Sandbox sandbox, CancellationToken cancellationToken, bool pooled = false)
    {
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

        // Written aside and renamed over: a crash mid-write must not leave a record that cannot be read.
        var path = Path.Combine(sandbox.Directory, SandboxRecord.FileName);
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, OwnerOnly))
        {
            await JsonSerializer.SerializeAsync(file, record, AgentJsonContext.Default.SandboxRecord, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
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
