using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Ownership;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Runs each sandbox as an OCI container (runc by default) in the sandbox's own network namespace,
/// with its overlay root filesystem. Pause and templates keep files only, not processes.
/// </summary>
public sealed class ContainerRuntime(
    ICommandRunner commands,
    IOptions<ContainerRuntimeOptions> options,
    IOptions<AgentOptions> agentOptions,
    ILogger<ContainerRuntime> logger,
    IContainerFreezer? freezer = null,
    ProcView.ISandboxViewProvider? sandboxView = null,
    PreparedConsoles? preparedConsoles = null) : IRuntime
{
    private readonly IContainerFreezer _freezer = freezer ?? new CgroupFreezer();
    private readonly EnvdSocketSupport _envdSockets = new();
    private readonly CompiledSeccompFilter _seccomp = new(logger);

    /// <summary>
    /// The OCI runtime new containers are made with (WRENN_OCI_RUNTIME, <c>auto</c> resolved once), and how a container
    /// the other of runc and crun made (before WRENN_OCI_RUNTIME changed) is asked about (<see cref="Owner"/>): both
    /// made once, their paths looked up once.
    /// </summary>
    private readonly (OciInvocation Chosen, OciInvocation Other, SealedRuntimeCopy? Copy) _oci = ChooseOciRuntime(options.Value.OciRuntime, logger);

    public const string RuntimeName = "container";

    /// <summary>Every container this agent makes is named with this prefix and the sandbox id.</summary>
    public const string ContainerPrefix = "wrenn-";

    private const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>rw-r--r--, as wrenn-init writes them in a VM.</summary>
    private const uint GuestFileMode = 0x1A4;

    public string Name => RuntimeName;

    public RuntimeCapabilities Capabilities { get; } = DescribeCapabilities(options.Value, agentOptions.Value.WrennDir, logger);

    public static string ContainerId(string sandboxId) => ContainerPrefix + sandboxId;

    public async Task StartAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken)
    {
        if (Capabilities.Refusal is { } refusal)
        {
            throw new RuntimeUnavailableException(refusal);
        }

        await rollback.StepAsync(
            "container.guest-files",
            ct => WriteGuestFilesAsync(sandbox, ct),
            _ => Task.CompletedTask,
            cancellationToken).ConfigureAwait(false);

        // Decided once, for the bundle (LISTEN_FDS=1) and the run (fd 3) alike.
        var passSocket = false;
        await rollback.StepAsync(
            "container.bundle",
            async ct =>
            {
                passSocket = PassesEnvdSocket(sandbox);
                await WriteBundleAsync(sandbox, passSocket, ct).ConfigureAwait(false);
            },
            _ => Task.CompletedTask,
            cancellationToken).ConfigureAwait(false);

        await rollback.StepAsync(
            "container.run",
            ct => RunContainerAsync(sandbox, passSocket, ct),
            async ct =>
            {
                var errors = await StopAsync(sandbox, ct).ConfigureAwait(false);
                if (errors.Count > 0)
                {
                    throw new AggregateException(errors);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Exception>> StopAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        // 'delete --force' kills whatever still runs in the container and removes its state and cgroup.
        var id = ContainerId(sandbox.SandboxId);
        var oci = Owner(id);
        var (program, arguments) = oci.Command([.. StateRoot(), "delete", "--force", id]);
        var result = await commands.RunAsync(program, arguments, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded || IsMissing(result))
        {
            return [];
        }

        return [new CommandFailedException($"{oci.Runtime} delete --force {id}", result)];
    }

    /// <summary>
    /// The cgroup freezer stops every process; their memory stays where it is. Written directly
    /// (<see cref="CgroupFreezer"/>), not through <c>runc pause</c>, which costs a process start.
    /// </summary>
    public Task PauseAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        _freezer.FreezeAsync(CgroupPath(sandbox), cancellationToken);

    public Task ResumeAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        _freezer.ThawAsync(CgroupPath(sandbox), cancellationToken);

    /// <summary>The sandbox's cgroup, as config.json gives it to runc (<see cref="OciSpecBuilder"/>).</summary>
    private string CgroupPath(RuntimeSandbox sandbox) => $"{options.Value.CgroupParent.TrimEnd('/')}/{sandbox.SandboxId}";

    /// <summary>Container templates are files only; the sandbox manager copies the overlay's upper layer.</summary>
    public Task WriteTemplateAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken) =>
        throw new NotSupportedException("container templates keep files only, not memory");

    /// <summary>Containers have no memory snapshots, so nothing depends on this.</summary>
    public string BootIdentity() => RuntimeName + ":" + _oci.Chosen.Runtime;

    public Task<RuntimeUsage> GetUsageAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var (cpu, memory, limit) = CgroupStats.Read(CgroupPath(sandbox));
        return Task.FromResult(new RuntimeUsage(cpu, memory, limit));
    }

    public Task ReleaseRemovedTemplatesAsync() =>
        Task.CompletedTask; // A container's template is its files alone: nothing is held for it.

    public Task ReleaseHostResourcesAsync(CancellationToken cancellationToken)
    {
        // runc creates the cgroup parent in every v1 hierarchy (or once in v2) and never removes it.
        // rmdir succeeds only on an empty cgroup, so a parent another agent still uses survives.
        var parent = options.Value.CgroupParent.Trim('/');
        var roots = Directory.Exists(CgroupRoot) ? Directory.EnumerateDirectories(CgroupRoot).Prepend(CgroupRoot) : [];
        foreach (var root in roots)
        {
            var path = Path.Combine(root, parent);
            if (!Directory.Exists(path))
            {
                continue;
            }

            try
            {
                Directory.Delete(path);
            }
            catch (IOException ex)
            {
                logger.CgroupNotRemoved(path, ex.Message);
            }
        }

        return Task.CompletedTask;
    }

    public async Task<bool> IsRunningAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        await StatusAsync(sandbox, cancellationToken).ConfigureAwait(false) == "running";

    public async Task<bool> ExistsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        await StatusAsync(sandbox, cancellationToken).ConfigureAwait(false) is "running" or "paused";

    /// <summary>The OCI runtime's status of the container ("running", "paused", "stopped", …), or null when it has none.</summary>
    private async Task<string?> StatusAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var id = ContainerId(sandbox.SandboxId);
        var (program, arguments) = Owner(id).Command([.. StateRoot(), "state", id]);
        var result = await commands.RunAsync(program, arguments, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return null;
        }

        using var state = JsonDocument.Parse(result.StandardOutput);
        return state.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
    }

    public string ReadConsoleTail(RuntimeSandbox sandbox) => ConsoleLog.Tail(sandbox.Directory);

    /// <summary>
    /// The runtime's capabilities with the mapping sandboxes run under. Without a user namespace sandbox root
    /// is host root, so that is only ever chosen on purpose (WRENN_SANDBOX_USERNS=off); where one is wanted but
    /// cannot be had, the runtime refuses to make sandboxes and says why, rather than quietly run them as host root.
    /// </summary>
    private static RuntimeCapabilities DescribeCapabilities(ContainerRuntimeOptions options, string wrennDir, ILogger logger)
    {
        var capabilities = new RuntimeCapabilities(MemorySnapshots: false, Isolation: "container");
        if (!options.UserNamespace)
        {
            logger.NoUserNamespace(WrennEnvironment.SandboxUserNamespace);
            return capabilities;
        }

        string? refusal = null;
        if (!KernelAllowsUserNamespaces())
        {
            refusal = "this kernel allows no user namespaces (user.max_user_namespaces is 0)";
        }
        else if (Sandboxes.SandboxRootAccess.ClosedAncestors(wrennDir).FirstOrDefault() is { } closed)
        {
            // runc sets the sandbox up as sandbox root, which must pass through every directory above its
            // bundle; the agent opens its own (o+x) but leaves the ones above WRENN_DIR to their owner.
            refusal = $"{closed}, above WRENN_DIR, is closed to other users, and sandbox root must pass through it (chmod o+x {closed})";
        }

        if (refusal is not null)
        {
            refusal = $"container sandboxes need a user namespace and cannot have one here: {refusal}; {WrennEnvironment.SandboxUserNamespace}=off runs them as host root instead";
            logger.RefusingContainers(refusal);
            return capabilities with { Refusal = refusal };
        }

        return capabilities with { UserNamespace = new IdMapping(options.UserNamespaceHostId, options.UserNamespaceSize) };
    }

    private static bool KernelAllowsUserNamespaces()
    {
        const string limit = "/proc/sys/user/max_user_namespaces";
        return File.Exists(limit) && long.TryParse(File.ReadAllText(limit).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var max) && max > 0;
    }

    private Task WriteGuestFilesAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        // A container has no kernel command line for wrenn-init to read, so the files it would write
        // are written here, into the sandbox's own upper layer. The tree is the tenant's (a template
        // may have /etc, or /etc/hosts, as a link to anywhere): every path is resolved inside it, and
        // Debian's resolv.conf link, like any other, is replaced rather than written through.
        // Sandbox root owns them: a host-root file is nobody's in the sandbox, and not root's to change.
        cancellationToken.ThrowIfCancellationRequested();
        var owner = Capabilities.FileOwners.HostId;
        var resolv = new StringBuilder();
        foreach (var nameserver in sandbox.Network.Nameservers)
        {
            resolv.Append("nameserver ").Append(nameserver).Append('\n');
        }

        using var root = RootedFile.Open(sandbox.RootfsPath);

        // What wrenn-init does first in a VM; the container starts tini directly (ContainerRuntimeOptions.InitArguments).
        root.CreateDirectory("/run/wrenn", 0x1ED, owner, owner);
        root.CreateDirectory("/tmp", 0x3FF, owner, owner);
        foreach (var (path, content) in new[]
                 {
                     ("/etc/hostname", sandbox.SandboxId + "\n"),
                     ("/etc/hosts", $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{sandbox.SandboxId}\n"),
                     ("/etc/resolv.conf", resolv.ToString()),
                 })
        {
            root.WriteFile(path, Encoding.UTF8.GetBytes(content), GuestFileMode, owner, owner);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether envd gets its listening socket from the agent (<see cref="EnvdListenSocket"/>): only in a sandbox with
    /// a network namespace of its own, and only when its envd takes one (<see cref="EnvdSocketSupport"/>).
    /// </summary>
    private bool PassesEnvdSocket(RuntimeSandbox sandbox)
    {
        if (!options.Value.PassEnvdSocket || sandbox.Network.NamespacePath.Length == 0)
        {
            return false;
        }

        try
        {
            return _envdSockets.Supports(sandbox.RootfsPath);
        }
        catch (IOException ex)
        {
            logger.SocketPassingUnknown(sandbox.SandboxId, ex.Message);
            return false;
        }
    }

    private async Task WriteBundleAsync(RuntimeSandbox sandbox, bool passSocket, CancellationToken cancellationToken)
    {
        var view = sandboxView is null ? null : await sandboxView.ForAsync(sandbox, cancellationToken).ConfigureAwait(false);
        foreach (var file in view?.WrittenFiles ?? [])
        {
            // Read-only for sandbox root, which the bind makes it to anyone inside anyway.
            var path = file.PathIn(sandbox.Directory);
            await File.WriteAllTextAsync(path, file.Content, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var spec = OciSpecBuilder.Build(
            sandbox,
            options.Value,
            ProcessLimits.OpenFilesHardLimit(),
            Capabilities.UserNamespace,
            view,
            passSocket,
            _seccomp.For(RunningOci()));
        var rootfsLink = Path.Combine(sandbox.Directory, OciSpecBuilder.RootfsDirectoryName);
        if (Path.GetFullPath(rootfsLink) != Path.GetFullPath(sandbox.RootfsPath))
        {
            spec["root"]!["path"] = Path.GetFullPath(sandbox.RootfsPath);
        }

        await File.WriteAllTextAsync(
            Path.Combine(sandbox.Directory, "config.json"),
            spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the container detached. Nothing but a one-line <c>sh</c> (for the umask) stands between the agent and the
    /// OCI runtime: the console's pipe and its rotator are made by the agent (<see cref="ConsolePipe"/>; ahead, with a
    /// prepared disk, <see cref="PreparedConsoles"/>), and the
    /// runtime is started with posix_spawn (<see cref="ListenSocketSpawn"/>) with that pipe as its stdout and stderr,
    /// which the container's init inherits; with <paramref name="passSocket"/>, envd's listening socket, made in the
    /// sandbox's namespace, is its fd 3, kept open for the container's init (--preserve-fds 1), and tini passes it on to
    /// envd. The rotator, which outlives the run, never holds the socket (a copy there would keep the port, and the
    /// namespace, alive after the sandbox is gone). The console log is made under the agent's umask (077: the guest's
    /// output is the tenant's); the runtime runs under 022, as it expects, since it makes the directories and devices
    /// inside the sandbox with it.
    /// </summary>
    private async Task RunContainerAsync(RuntimeSandbox sandbox, bool passSocket, CancellationToken cancellationToken)
    {
        var id = ContainerId(sandbox.SandboxId);
        string[] preserve = passSocket ? ["--preserve-fds", "1"] : [];
        int exitCode;
        var oci = RunningOci();
        // A prepared disk's directory comes with its console open and its rotator reading (PreparedConsoles).
        using (var console = preparedConsoles?.TryTake(sandbox.Directory) ?? await ConsolePipe.OpenAsync(sandbox.Directory, options.Value.ConsoleLogBytes, cancellationToken).ConfigureAwait(false))
        using (var socket = passSocket ? EnvdListenSocket.Bind(sandbox.Network.NamespacePath, Envd.EnvdClient.Port) : null)
        {
            string[] run =
            [
                .. StateRoot(), "run", "--detach", .. preserve,
                "--bundle", sandbox.Directory,
                "--pid-file", Path.Combine(sandbox.Directory, "init.pid"),
                id,
            ];
            if (oci.LegacyCgroupView)
            {
                // No unshare, shell or umount process in between: the view is made on a thread of the agent's.
                exitCode = await LegacyCgroupViewSpawn.RunAsync(
                    oci.Executable,
                    run,
                    oci.UnifiedMount,
                    passed: socket?.SafeHandle,
                    output: console,
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var (program, arguments) = oci.UnderUmask022(run);
                exitCode = await ListenSocketSpawn.RunAsync(
                    program,
                    arguments,
                    passed: socket?.SafeHandle,
                    output: console,
                    cancellationToken).ConfigureAwait(false);
            }
        }

        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{_oci.Chosen.Runtime} run {id} exited with {exitCode}: {ConsoleLog.Tail(sandbox.Directory)}");
        }

        _seccomp.Learn(oci, options.Value.OciStateDirectory, id);

        if (passSocket)
        {
            logger.ContainerStartedWithSocket(id);
        }
        else
        {
            logger.ContainerStarted(id);
        }
    }

    /// <summary>What runs start: crun's sealed copy of its file as it is now (made again after an upgrade), else the runtime as chosen.</summary>
    private OciInvocation RunningOci() => _oci.Copy?.Current ?? _oci.Chosen;

    /// <summary>The OCI runtime's global <c>--root</c> option when a state directory is configured, else nothing (its default).</summary>
    private string[] StateRoot() => options.Value.OciStateDirectory is { } root ? ["--root", root] : [];

    /// <summary>
    /// The runtime that holds container <paramref name="id"/>. With a state directory of our own only the chosen runtime
    /// ever wrote there; with the defaults a container may predate a change of WRENN_OCI_RUNTIME.
    /// </summary>
    private OciInvocation Owner(string id)
    {
        if (options.Value.OciStateDirectory is not null)
        {
            return _oci.Chosen;
        }

        return OciRuntimeChoice.OwnerOf(id, _oci.Chosen.Runtime) == _oci.Chosen.Runtime ? _oci.Chosen : _oci.Other;
    }

    /// <summary>
    /// The runtime chosen, and where it is crun and its sealed copy starts here, that copy (held, and so valid, for the
    /// runtime's life: the agent's; made again when crun's file changes), and the other runtime.
    /// </summary>
    private static (OciInvocation Chosen, OciInvocation Other, SealedRuntimeCopy? Copy) ChooseOciRuntime(string configured, ILogger logger)
    {
        var (resolved, reason) = OciRuntimeChoice.Resolve(configured, OciRuntimeChoice.FindOnPath, OciRuntimeChoice.ViewWorks);
        logger.OciRuntimeChosen(resolved.Runtime, WrennEnvironment.OciRuntime, configured, reason);
        var other = OciRuntimeChoice.OtherRuntime(resolved, OciRuntimeChoice.FindOnPath);
        var (copy, whyNot) = SealedRuntimeCopy.Make(resolved, OciRuntimeChoice.Starts, logger);
        if (copy is not null)
        {
            logger.OciRuntimeFromSealedCopy(resolved.Runtime, resolved.Executable, copy.Current.Executable);
        }
        else if (whyNot is not null)
        {
            logger.OciRuntimeFromFile(resolved.Runtime, whyNot);
        }

        return (resolved, other, copy);
    }

    private static bool IsMissing(CommandResult result) =>
        result.StandardError.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
        || result.StandardError.Contains("not found", StringComparison.OrdinalIgnoreCase);
}
