using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Tests.Pool;

/// <summary>
/// The count of creates under way that background refills hold off for: it lets them go once the last
/// create ends, at once when none runs, and after its limit when creates never stop.
/// </summary>
public sealed class CreatesInFlightTests
{
    [Fact]
    public async Task A_wait_ends_when_the_last_create_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        var creates = new CreatesInFlight();
        await creates.WaitUntilNoneAsync(TimeSpan.FromMinutes(1), ct);

        creates.Begin();
        creates.Begin();
        var waiting = creates.WaitUntilNoneAsync(TimeSpan.FromMinutes(1), ct);
        creates.End();
        Assert.False(waiting.IsCompleted);
        creates.End();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(0, creates.Count);
    }

    [Fact]
    public async Task A_wait_goes_ahead_after_its_limit_while_creates_keep_running()
    {
        var creates = new CreatesInFlight();
        creates.Begin();
        await creates.WaitUntilNoneAsync(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(1, creates.Count);
    }

    [Fact]
    public void An_end_without_a_begin_is_refused()
    {
        Assert.Throws<InvalidOperationException>(new CreatesInFlight().End);
    }
}
