using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Network;

/// <summary>
/// Creates and removes per-sandbox networks: a named network namespace joined to the host by a veth
/// pair with a /31 on it. A slot is claimed by creating its namespace, which fails if anyone (this
/// agent or another) already has it, so two agents on one machine never share a slot.
/// Once <see cref="StartPreparingAsync"/> ran, up to <see cref="NetworkOptions.PreparedSlots"/> slots are
/// kept made ahead (each wholly: namespace, veth, addresses, firewall chains), refilled one at a time in
/// the background; a create takes one (a queue, no lock shared with other creates) and makes its own
/// only when none is ready. A prepared slot is handed out once and removed with its sandbox, never reused.
/// Every slot this agent holds, prepared or made for a create, has a marker file named by its index
/// (<see cref="NetworkOptions.PreparedDirectory"/>), written before its namespace and removed only after the
/// slot is gone: an agent killed anywhere in between leaves a marker, and the next start removes what no
/// recovered sandbox holds (a namespace made a moment before the kill, with nothing yet naming it, was left
/// for good before).
/// </summary>
public sealed class SandboxNetworkManager(
    ICommandRunner commands,
    SandboxFirewall firewall,
    IOptions<NetworkOptions> options,
    ILogger<SandboxNetworkManager> logger,
    Pool.CreatesInFlight? creates = null) : Sandboxes.ISandboxNetwork, IAsyncDisposable, IDisposable
{
    private const string Ip = "ip";
    private const string Sysctl = "sysctl";

    private readonly Lock _gate = new();
    private readonly HashSet<int> _inUse = [];
    private Pool.ReadySet<PreparedSlot>? _ready;

    /// <summary>Slots made ahead and waiting for a sandbox.</summary>
    public int ReadyCount => Ready.Count;

    private Pool.ReadySet<PreparedSlot> Ready => LazyInitializer.EnsureInitialized(
        ref _ready,
        () => new Pool.ReadySet<PreparedSlot>("a network slot", options.Value.PreparedSlots, PrepareAsync, (prepared, ct) => DiscardAsync(prepared.Slot, ct), logger, creates));

    /// <summary>
    /// Takes a prepared slot, or claims a free one and wires its network; every step is registered on
    /// <paramref name="rollback"/>.
    /// </summary>
    public async Task<SlotAddresses> CreateAsync(RollbackList rollback, CancellationToken cancellationToken)
    {
        var prepared = await TakePreparedAsync(cancellationToken).ConfigureAwait(false);
        if (prepared is not null)
        {
            await rollback.StepAsync(
                "network.prepared",
                _ => Task.CompletedTask,
                async ct =>
                {
                    var errors = await RemoveAsync(prepared, ct).ConfigureAwait(false);
                    if (errors.Count > 0)
                    {
                        throw new AggregateException(errors);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            return prepared;
        }

        return await BuildAsync(rollback, firewall.Nameservers(), static _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes the slots an earlier run held that no recovered sandbox holds now (found by their markers:
    /// slots made ahead, and slots of creates the run was killed in), then starts keeping
    /// <see cref="NetworkOptions.PreparedSlots"/> ready. Call after the sandboxes of earlier runs were
    /// recovered (they reserve their slots).
    /// </summary>
    public async Task StartPreparingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.PreparedDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            await RemoveLeftoverSlotsAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        else if (options.Value.PreparedSlots > 0)
        {
            throw new InvalidOperationException("NetworkOptions.PreparedDirectory is required when slots are prepared");
        }

        if (options.Value.PreparedSlots > 0)
        {
            Ready.Start();
        }
    }

    private async Task RemoveLeftoverSlotsAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var marker in Directory.EnumerateFiles(directory))
        {
            if (!int.TryParse(Path.GetFileName(marker), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= SlotAddresses.Capacity(options.Value.SlotCidr))
            {
                File.Delete(marker);
                continue;
            }

            if (!TryReserve(index, out var slot))
            {
                // A recovered sandbox holds it: its marker stays until the sandbox goes.
                continue;
            }

            var errors = await RemoveAsync(slot, cancellationToken).ConfigureAwait(false);
            if (errors.Count == 0)
            {
                logger.LeftoverSlotRemoved(index);
            }
            else
            {
                logger.LeftoverSlotRemoveFailed(new AggregateException(errors), index);
            }
        }
    }

    /// <summary>Stops refilling and removes every slot still waiting; what could not be removed is logged and stays taken.</summary>
    public Task StopPreparingAsync(CancellationToken cancellationToken) => Ready.StopAsync(cancellationToken);

    /// <summary>Waits until the ready set is full or a refill gave up (tests and benchmarks: a host between bursts).</summary>
    public Task WaitUntilPreparedAsync(CancellationToken cancellationToken) => Ready.WaitUntilFullAsync(cancellationToken);

    public ValueTask DisposeAsync() => Ready.DisposeAsync();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The marker of a slot this agent holds; null when markers are off (a manager without a directory, in tests).</summary>
    private string? MarkerPath(int index) =>
        options.Value.PreparedDirectory is { } directory ? Path.Combine(directory, index.ToString(CultureInfo.InvariantCulture)) : null;

    private static bool TryCreateMarker(string marker)
    {
        // The directory is made at start; an agent used without its start (tests) makes it here.
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        try
        {
            new FileStream(marker, FileMode.CreateNew, FileAccess.Write).Dispose();
            return true;
        }
        catch (IOException) when (File.Exists(marker))
        {
            return false;
        }
    }

    private void DeleteMarker(int index)
    {
        if (MarkerPath(index) is { } marker)
        {
            File.Delete(marker);
        }
    }

    private async Task<SlotAddresses?> TakePreparedAsync(CancellationToken cancellationToken)
    {
        while (Ready.TryTake(out var prepared))
        {
            // Its marker stays until the slot is removed with its sandbox.
            if (prepared.Nameservers.SequenceEqual(firewall.Nameservers()))
            {
                logger.PreparedSlotTaken(prepared.Slot.Index);
                return prepared.Slot;
            }

            // Its firewall lets DNS through to nameservers the host no longer names.
            await DiscardAsync(prepared.Slot, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private async Task DiscardAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        var errors = await RemoveAsync(slot, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            logger.PreparedSlotRemoveFailed(new AggregateException(errors), slot.Index);
        }
    }

    /// <summary>Makes one slot to wait in the ready set.</summary>
    private async Task<PreparedSlot> PrepareAsync(CancellationToken cancellationToken)
    {
        var rollback = new RollbackList("prepare network-slot", logger, new NoStepFaults());
        try
        {
            var nameservers = firewall.Nameservers();
            // Between its steps too: a slot's nine processes take ~70 ms of the cores a create's runtime needs.
            var slot = await BuildAsync(rollback, nameservers, Ready.HoldWhileCreatesAsync, cancellationToken).ConfigureAwait(false);
            rollback.Commit();
            return new PreparedSlot(slot, nameservers);
        }
        catch
        {
            await rollback.RollbackAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Claims a free slot and wires its network; <paramref name="betweenSteps"/> runs before each step after the claim.</summary>
    private async Task<SlotAddresses> BuildAsync(RollbackList rollback, IReadOnlyList<IPAddress> nameservers, Func<CancellationToken, Task> betweenSteps, CancellationToken cancellationToken)
    {
        // The undo sees the slot only once the claim succeeded: undoing a claim we never made would
        // delete another owner's namespace.
        SlotAddresses? claimed = null;
        var slot = await rollback.StepAsync(
            "network.namespace",
            async ct =>
            {
                claimed = await ClaimSlotAsync(ct).ConfigureAwait(false);
                return claimed;
            },
            async ct =>
            {
                if (claimed is not null)
                {
                    // Later undos (veth, firewall) ran first: nothing of the slot is left when it is freed.
                    await DeleteNamespaceAsync(claimed, ct).ConfigureAwait(false);
                    DeleteMarker(claimed.Index);
                    Release(claimed);
                }
            },
            cancellationToken).ConfigureAwait(false);

        // Before the veth arrives: an interface takes its IPv6 settings from "default" when it appears,
        // and would have a link-local address (a path to the host past the IPv4-only firewall) once up.
        // Only lo keeps IPv6: ::1 reaches nothing outside the namespace, and programs that bind "localhost"
        // expect it.
        if (Directory.Exists(SandboxFirewall.Ipv6Settings))
        {
            await betweenSteps(cancellationToken).ConfigureAwait(false);
            await rollback.StepAsync(
                "network.ipv6-off",
                ct => commands.RunCheckedAsync(
                    Ip,
                    ["netns", "exec", slot.NamespaceName, Sysctl, "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf.lo.disable_ipv6=0"],
                    ct),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);
        }

        await betweenSteps(cancellationToken).ConfigureAwait(false);
        await rollback.StepAsync(
            "network.veth",
            ct => Run(ct, "link", "add", slot.HostVeth, "type", "veth", "peer", "name", slot.SandboxVethTemporaryName, "netns", slot.NamespaceName),
            ct => DeleteLinkAsync(slot.HostVeth, ct),
            cancellationToken).ConfigureAwait(false);

        // One `ip -batch` per side: each fork and exec of ip costs milliseconds on every create.
        await betweenSteps(cancellationToken).ConfigureAwait(false);
        await rollback.StepAsync(
            "network.host-address",
            async ct =>
            {
                await HardenHostEndAsync(slot, ct).ConfigureAwait(false);
                await RunBatch(
                    null,
                    ct,
                    $"addr add {slot.HostAddress}/{SlotAddresses.PrefixLength} dev {slot.HostVeth}",
                    $"link set {slot.HostVeth} up").ConfigureAwait(false);
            },
            _ => Task.CompletedTask,
            cancellationToken).ConfigureAwait(false);

        await betweenSteps(cancellationToken).ConfigureAwait(false);
        await rollback.StepAsync(
            "network.sandbox-address",
            ct => RunBatch(
                slot,
                ct,
                $"link set {slot.SandboxVethTemporaryName} name {SlotAddresses.SandboxInterface}",
                $"addr add {slot.SandboxAddress}/{SlotAddresses.PrefixLength} dev {SlotAddresses.SandboxInterface}",
                $"link set {SlotAddresses.SandboxInterface} up",
                "link set lo up",
                $"route add default via {slot.HostAddress}"),
            _ => Task.CompletedTask,
            cancellationToken).ConfigureAwait(false);

        await betweenSteps(cancellationToken).ConfigureAwait(false);
        await rollback.StepAsync(
            "network.firewall",
            ct => firewall.AddAsync(slot, nameservers, ct),
            ct => firewall.RemoveAsync(slot, ct),
            cancellationToken).ConfigureAwait(false);

        logger.SlotReady(slot.Index, slot.HostAddress, slot.SandboxAddress);
        return slot;
    }

    /// <summary>
    /// Removes the slot's rules, namespace and veth, and frees the slot only when all of that is gone:
    /// freed earlier, a new sandbox could take the slot and lose its fresh veth to this removal's
    /// last step (make soak hit that under 20 parallel creates). Returns every error met; a slot whose
    /// removal failed stays taken rather than be handed out half-clean.
    /// </summary>
    public async Task<IReadOnlyList<Exception>> RemoveAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        foreach (var remove in new Func<CancellationToken, Task>[]
                 {
                     ct => firewall.RemoveAsync(slot, ct),
                     ct => DeleteNamespaceAsync(slot, ct),
                     ct => DeleteLinkAsync(slot.HostVeth, ct),
                 })
        {
            try
            {
                await remove(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }

        if (errors.Count == 0)
        {
            DeleteMarker(slot.Index);
            Release(slot);
        }

        return errors;
    }

    /// <summary>Marks a slot found on disk (from an earlier run) as taken, so it is not handed out before it is cleaned.</summary>
    public SlotAddresses Reserve(int index)
    {
        TryReserve(index, out var slot);
        return slot;
    }

    /// <summary>Marks a slot as taken; false when it already was (a recovered sandbox holds it).</summary>
    private bool TryReserve(int index, out SlotAddresses slot)
    {
        slot = SlotAddresses.For(index, options.Value.SlotCidr, options.Value.NamePrefix);
        lock (_gate)
        {
            return _inUse.Add(index);
        }
    }

    private async Task<SlotAddresses> ClaimSlotAsync(CancellationToken cancellationToken)
    {
        var capacity = SlotAddresses.Capacity(options.Value.SlotCidr);
        for (var index = 0; index < capacity; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                if (!_inUse.Add(index))
                {
                    continue;
                }
            }

            var slot = SlotAddresses.For(index, options.Value.SlotCidr, options.Value.NamePrefix);

            // Marked before the namespace exists: killed after `ip netns add`, this agent's next start still
            // knows the slot was its own. (Killed before it, the next start removes a namespace that is not
            // there, or, if an agent sharing this name prefix took the slot meanwhile, that agent's: agents on
            // one machine are told apart by their prefixes, docs/multihost-testing.md.)
            // A marker already there is a slot of an earlier run that its start could not remove: not ours to take.
            if (MarkerPath(index) is { } marker && !TryCreateMarker(marker))
            {
                Release(slot);
                continue;
            }

            // Not cancelled half-way: an `ip netns add` abandoned at a stop may still have made the namespace,
            // and with no claim returned nobody would remove it (the fault tests found netns + mount left after
            // a stop during a prepared slot's refill). It takes milliseconds; the caller's token is checked before each claim and by the steps after it.
            var result = await commands.RunAsync(Ip, ["netns", "add", slot.NamespaceName], CancellationToken.None).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return slot;
            }

            DeleteMarker(index);
            lock (_gate)
            {
                _inUse.Remove(index);
            }

            if (!result.StandardError.Contains("exists", StringComparison.OrdinalIgnoreCase))
            {
                throw new CommandFailedException($"{Ip} netns add {slot.NamespaceName}", result);
            }

            logger.SlotTakenElsewhere(index);
        }

        throw new NoFreeSlotException(capacity);
    }

    private async Task DeleteNamespaceAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(Ip, ["netns", "delete", slot.NamespaceName], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !IsMissing(result))
        {
            throw new CommandFailedException($"{Ip} netns delete {slot.NamespaceName}", result);
        }
    }

    private void Release(SlotAddresses slot)
    {
        lock (_gate)
        {
            _inUse.Remove(slot.Index);
        }
    }

    private async Task DeleteLinkAsync(string link, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(Ip, ["link", "delete", link], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !IsMissing(result))
        {
            throw new CommandFailedException($"{Ip} link delete {link}", result);
        }
    }

    /// <summary>
    /// Before the host end comes up: no IPv6 on it (so no link-local address for the sandbox to reach
    /// the host on), and strict reverse-path filtering, so a packet from the sandbox with a source that
    /// is not routed back through this veth is dropped by the kernel (the firewall drops it too; the
    /// kernel uses the larger of this and conf.all, so a host with all=2 gets loose mode here).
    /// </summary>
    private Task HardenHostEndAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        List<string> settings = ["-q", "-w"];
        if (Directory.Exists(SandboxFirewall.Ipv6Settings))
        {
            settings.Add($"net.ipv6.conf.{slot.HostVeth}.disable_ipv6=1");
        }

        settings.Add($"net.ipv4.conf.{slot.HostVeth}.rp_filter=1");
        return commands.RunCheckedAsync(Sysctl, settings, cancellationToken);
    }

    private Task Run(CancellationToken cancellationToken, params string[] arguments) =>
        commands.RunCheckedAsync(Ip, arguments, cancellationToken);

    /// <summary>Runs ip commands in one process, in <paramref name="slot"/>'s namespace or (null) the host's; stops at the first failure.</summary>
    private Task RunBatch(SlotAddresses? slot, CancellationToken cancellationToken, params string[] commandLines)
    {
        string[] arguments = slot is null ? ["-batch", "-"] : ["-n", slot.NamespaceName, "-batch", "-"];
        return commands.RunCheckedAsync(Ip, arguments, cancellationToken, string.Join('\n', commandLines) + "\n");
    }

    /// <summary>
    /// True when ip failed only because the thing is already gone. Deleting a namespace takes its veth
    /// pair with it, a moment later: the host end may vanish between our look and our delete, which ip
    /// reports as "Cannot find device" or, from the kernel, "No such device" (1 in ~200 destroys
    /// under load in make soak, before this was counted).
    /// </summary>
    internal static bool IsMissing(CommandResult result) =>
        result.StandardError.Contains("No such file", StringComparison.OrdinalIgnoreCase)
        || result.StandardError.Contains("No such device", StringComparison.OrdinalIgnoreCase)
        || result.StandardError.Contains("Cannot find device", StringComparison.OrdinalIgnoreCase)
        || result.StandardError.Contains("does not exist", StringComparison.OrdinalIgnoreCase);
}
