using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Network;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Prepared network slots and disks for an <see cref="AgentUnderTest"/>, whose hosted services (which
/// would start them) are not started.
/// </summary>
public static class PreparedResources
{
    public const int Count = 2;

    public static void TurnOn(IServiceCollection services)
    {
        services.Configure<NetworkOptions>(network => network.PreparedSlots = Count);
        services.Configure<SandboxDiskOptions>(disk => disk.Prepared = Count);
    }

    public static async Task StartAsync(AgentUnderTest agent, CancellationToken cancellationToken)
    {
        await agent.Services.GetRequiredService<SandboxNetworkManager>().StartPreparingAsync(cancellationToken);
        await agent.Services.GetRequiredService<SandboxDisk>().StartPreparingAsync(cancellationToken);
    }

    public static async Task WaitUntilFullAsync(AgentUnderTest agent, CancellationToken cancellationToken)
    {
        await agent.Services.GetRequiredService<SandboxNetworkManager>().WaitUntilPreparedAsync(cancellationToken);
        await agent.Services.GetRequiredService<SandboxDisk>().WaitUntilPreparedAsync(cancellationToken);
    }
}
