namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>One control plane for all the cases of a class whose cases only read (fewer starts, fewer database connections).</summary>
public sealed class SharedControlPlane : IAsyncLifetime
{
    public RunningControlPlane Instance { get; private set; } = null!;

    /// <summary>The bootstrap API key (wrn_…).</summary>
    public string ApiKey { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        Instance = await RunningControlPlane.StartAsync();
        ApiKey = await Instance.ApiKeyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
    }
}
