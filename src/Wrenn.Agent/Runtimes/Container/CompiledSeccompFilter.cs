namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// crun compiles the spec's seccomp section with libseccomp at every run (about 4 ms of a create's
/// <c>container.run</c> on this project's 2-core test machine) and keeps what it loaded in the container's state
/// directory (<c>seccomp.bpf</c>, which <c>crun exec</c> reads). Every sandbox gets the same filter
/// (<see cref="SeccompProfile"/>), so the agent reads crun's own compilation once, after a run, and gives it to later
/// runs through crun's <c>run.oci.seccomp_bpf_data</c> annotation: the very bytes crun would load, not compiled
/// again. Known per crun executable, so a crun upgrade (a new sealed copy) compiles once more. runc takes no such
/// annotation and compiles as before. The state directory is root's alone, so nothing in a sandbox can write the file.
/// </summary>
public sealed class CompiledSeccompFilter(ILogger logger)
{
    public const string Annotation = "run.oci.seccomp_bpf_data";

    /// <summary>crun's state directory for root when no <c>--root</c> is given.</summary>
    public const string CrunDefaultStateDirectory = "/run/crun";

    private const string FileName = "seccomp.bpf";

    /// <summary>A classic BPF instruction (struct sock_filter).</summary>
    private const int InstructionBytes = 8;

    /// <summary>The kernel's limit on a filter's length (BPF_MAXINSNS).</summary>
    private const int MaxInstructions = 4096;

    private Known? _known;

    /// <summary>The filter as <paramref name="runtime"/> compiled it, base64, or null when it has not yet (or is not crun).</summary>
    public string? For(OciInvocation runtime) =>
        Volatile.Read(ref _known) is { Base64: { } base64 } known && known.Executable == runtime.Executable ? base64 : null;

    /// <summary>
    /// Reads the filter <paramref name="runtime"/> compiled for container <paramref name="containerId"/> (state under
    /// <paramref name="stateDirectory"/>, null for crun's default) unless it is known already, or this crun's could not
    /// be read before (tried once per executable: a crun that keeps no such file compiles every time, as before).
    /// </summary>
    public void Learn(OciInvocation runtime, string? stateDirectory, string containerId)
    {
        if (!runtime.IsCrun
            || Volatile.Read(ref _known) is { } known && known.Executable == runtime.Executable)
        {
            return;
        }

        var path = Path.Combine(stateDirectory ?? CrunDefaultStateDirectory, containerId, FileName);
        string? base64 = null;
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % InstructionBytes != 0 || bytes.Length > MaxInstructions * InstructionBytes)
            {
                logger.CompiledSeccompUnreadable(runtime.Runtime, path, $"{bytes.Length} bytes are no BPF program");
            }
            else
            {
                base64 = Convert.ToBase64String(bytes);
                logger.CompiledSeccompLearned(runtime.Runtime, bytes.Length / InstructionBytes, containerId);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.CompiledSeccompUnreadable(runtime.Runtime, path, ex.Message);
        }

        Volatile.Write(ref _known, new Known(runtime.Executable, base64));
    }

    /// <summary>What one crun executable compiled; <see cref="Base64"/> null when it could not be read.</summary>
    private sealed record Known(string Executable, string? Base64);
}
