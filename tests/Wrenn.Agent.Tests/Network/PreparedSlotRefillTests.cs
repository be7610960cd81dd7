using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Os;
using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// A prepared slot's refill (nine ip, sysctl and iptables processes) stops between its steps while a create
/// is under way, so a create started in the middle of one keeps the cores for its own runtime; the slot is
/// finished once the create is done.
/// </summary>
public sealed class PreparedSlotRefillTests
{
    [Fact]
    public async Task A_refill_runs_no_further_step_while_a_create_that_began_during_it_is_under_way()
    {
        var ct = TestContext.Current.CancellationToken;
        var creates = new CreatesInFlight();
        var runner = new CreateStartingRunner(creates);
        var markers = Directory.CreateTempSubdirectory("wrenn-prepared-slots-").FullName;
        try
        {
            var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None, PreparedSlots = 1, PreparedDirectory = markers });
            var firewall = new SandboxFirewall(runner, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
            await using var network = new SandboxNetworkManager(runner, firewall, options, NullLogger<SandboxNetworkManager>.Instance, creates);

            await network.StartPreparingAsync(ct);
            await runner.CreateBegun.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

            // Long enough for a refill that does not hold off to have run its remaining steps.
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            creates.End();
            await network.WaitUntilPreparedAsync(ct);

            Assert.Equal(1, network.ReadyCount);
            var commands = runner.Commands;
            Assert.True(commands.Count > 1, string.Join('\n', commands));
            Assert.All(commands.Skip(1), c => Assert.Equal(0, c.CreatesUnderWay));
        }
        finally
        {
            Directory.Delete(markers, recursive: true);
        }
    }
}
