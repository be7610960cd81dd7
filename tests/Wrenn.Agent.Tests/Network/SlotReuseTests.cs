using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.Network;

/// <summary>A network slot is handed out again only after everything of its last sandbox is gone.</summary>
public sealed class SlotReuseTests
{
    [Fact]
    public async Task A_slot_being_removed_is_not_handed_to_a_new_sandbox_until_its_veth_is_gone()
    {
        var ct = TestContext.Current.CancellationToken;
        var runner = new HeldLinkDeleteRunner();
        var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions());
        var firewall = new SandboxFirewall(runner, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
        var network = new SandboxNetworkManager(runner, firewall, options, NullLogger<SandboxNetworkManager>.Instance);

        var first = await network.CreateAsync(new RollbackList("create first", NullLogger.Instance, new NoStepFaults()), ct);
        Assert.Equal(0, first.Index);

        // The first sandbox's removal stops at its last step: deleting the host end of the veth.
        var removing = network.RemoveAsync(first, ct);
        await runner.LinkDeleteReached.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        var second = await network.CreateAsync(new RollbackList("create second", NullLogger.Instance, new NoStepFaults()), ct);
        Assert.NotEqual(first.Index, second.Index);

        runner.Release();
        Assert.Empty(await removing);
        var third = await network.CreateAsync(new RollbackList("create third", NullLogger.Instance, new NoStepFaults()), ct);
        Assert.Equal(first.Index, third.Index);
    }
}
