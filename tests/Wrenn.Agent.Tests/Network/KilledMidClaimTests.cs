using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// An agent killed while it makes a slot (for a create or for the prepared set) leaves the slot's namespace with
/// nothing yet naming it; the next agent start removes it, and keeps the slots recovered sandboxes hold. Before
/// the markers were written ahead of the namespace, a kill right after `ip netns add` left the namespace for good
/// (an end-to-end agent-kill test found `wrenn-2` with only lo after the run).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class KilledMidClaimTests
{
    [Fact]
    public async Task Slots_of_creates_an_agent_was_killed_in_are_removed_when_the_next_one_starts()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var markers = Directory.CreateTempSubdirectory("wrenn-slot-markers-").FullName;
        try
        {
            // Preparing is off: the markers are not only for slots made ahead.
            var options = Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None, PreparedSlots = 0, PreparedDirectory = markers });

            // Killed right after `ip netns add` (its next command never comes back), and killed with the slot whole
            // but before the sandbox's record named it: neither rollback ever runs.
            var killedEarly = new FailingCommandRunner();
            killedEarly.FailNext("ip link add");
            await Assert.ThrowsAsync<CommandFailedException>(() => NewManager(options, killedEarly).CreateAsync(NewRollback(), ct));
            await NewManager(options, new FailingCommandRunner()).CreateAsync(NewRollback(), ct);
            Assert.Equal(2, HostSnapshot.Take().NewSince(before).Count(entry => entry.StartsWith("netns ", StringComparison.Ordinal)));

            await using (var next = NewManager(options, new FailingCommandRunner()))
            {
                await next.StartPreparingAsync(ct);
            }

            Assert.Empty(HostSnapshot.Take().NewSince(before));
            Assert.Empty(Directory.EnumerateFiles(markers));
        }
        finally
        {
            Directory.Delete(markers, recursive: true);
        }
    }

    [Fact]
    public async Task A_slot_a_recovered_sandbox_holds_is_kept_at_start_and_removed_with_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var markers = Directory.CreateTempSubdirectory("wrenn-slot-markers-").FullName;
        try
        {
            var options = Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None, PreparedSlots = 0, PreparedDirectory = markers });
            var held = await NewManager(options, new FailingCommandRunner()).CreateAsync(NewRollback(), ct);

            await using var next = NewManager(options, new FailingCommandRunner());

            // Recovery reserves the slot of a sandbox it adopts before the prepared resources start.
            var adopted = next.Reserve(held.Index);
            await next.StartPreparingAsync(ct);
            Assert.True(File.Exists(adopted.NamespacePath), "the adopted sandbox's namespace must survive the start");
            Assert.True(File.Exists(Path.Combine(markers, held.Index.ToString(System.Globalization.CultureInfo.InvariantCulture))));

            Assert.Empty(await next.RemoveAsync(adopted, ct));
            Assert.Empty(HostSnapshot.Take().NewSince(before));
            Assert.Empty(Directory.EnumerateFiles(markers));
        }
        finally
        {
            Directory.Delete(markers, recursive: true);
        }
    }

    private static RollbackList NewRollback() => new("create", NullLogger.Instance, new NoStepFaults());

    private static SandboxNetworkManager NewManager(IOptions<NetworkOptions> options, ICommandRunner runner)
    {
        var firewall = new SandboxFirewall(runner, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
        return new SandboxNetworkManager(runner, firewall, options, NullLogger<SandboxNetworkManager>.Instance);
    }
}
