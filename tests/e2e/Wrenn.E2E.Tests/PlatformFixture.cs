namespace Wrenn.E2E.Tests;

/// <summary>One `wrenn up` shared by the tests of <see cref="PlatformCollection"/>; they run one after another.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private RunningPlatform? _platform;

    public RunningPlatform Platform => _platform ?? throw new InvalidOperationException("platform not started");

    public async ValueTask InitializeAsync() => _platform = await RunningPlatform.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}
