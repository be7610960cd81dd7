using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Tests.Pool;

/// <summary>
/// The ready set behind prepared network slots and disks, with a counter for "making" one: it fills to
/// its depth, hands each thing out once, replaces what was taken, backs off after a failure, and discards
/// what still waits at stop. While a create is under way it makes nothing (the create keeps the cores),
/// but never holds off for good.
/// </summary>
public sealed class ReadySetTests
{
    private int _made;
    private readonly List<int> _discarded = [];

    [Fact]
    public async Task Fills_to_its_depth_and_hands_each_thing_out_once()
    {
        await using var set = NewSet(depth: 3, _ => Task.FromResult(Interlocked.Increment(ref _made)));
        set.Start();
        await set.WaitUntilFullAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, set.Count);

        var taken = new List<int>();
        while (set.TryTake(out var item))
        {
            taken.Add(item);
        }

        Assert.Equal(new[] { 1, 2, 3 }, taken.Order());

        // What was taken is replaced by new things, never by the ones handed out.
        await set.WaitUntilFullAsync(TestContext.Current.CancellationToken);
        Assert.True(set.TryTake(out var next));
        Assert.DoesNotContain(next, taken);
    }

    [Fact]
    public async Task A_failed_make_leaves_the_set_empty_and_takers_on_their_own_until_the_retry()
    {
        await using var set = NewSet(depth: 2, _ => throw new InvalidOperationException("no slot"));
        set.Start();
        await set.WaitUntilFullAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, set.Count);
        Assert.False(set.TryTake(out _));
    }

    [Fact]
    public async Task Stop_discards_what_still_waits_and_makes_no_more()
    {
        var set = NewSet(depth: 2, _ => Task.FromResult(Interlocked.Increment(ref _made)));
        set.Start();
        await set.WaitUntilFullAsync(TestContext.Current.CancellationToken);

        await set.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new[] { 1, 2 }, _discarded.Order());
        Assert.False(set.TryTake(out _));
        await Task.Delay(ReadySet<int>.RefillDelay * 2, TestContext.Current.CancellationToken);
        Assert.Equal(2, Volatile.Read(ref _made));
        await set.DisposeAsync();
    }

    [Fact]
    public async Task Nothing_is_made_while_a_create_is_under_way_and_the_set_fills_once_it_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        var creates = new CreatesInFlight();
        var createsSeenByMakes = new List<int>();
        creates.Begin();
        await using var set = NewSet(depth: 2, _ =>
        {
            lock (createsSeenByMakes)
            {
                createsSeenByMakes.Add(creates.Count);
            }

            return Task.FromResult(Interlocked.Increment(ref _made));
        }, creates);
        set.Start();

        // Long enough for a refill that does not hold off to have made both (it starts at once after Start).
        await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        creates.End();
        await set.WaitUntilFullAsync(ct);

        Assert.Equal(2, set.Count);
        Assert.Equal(new[] { 0, 0 }, createsSeenByMakes);
    }

    [Fact]
    public async Task Creates_that_never_stop_do_not_keep_the_set_empty()
    {
        var creates = new CreatesInFlight();
        creates.Begin();
        await using var set = NewSet(depth: 1, _ => Task.FromResult(Interlocked.Increment(ref _made)), creates);
        set.Start();
        await set.WaitUntilFullAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, set.Count);
        creates.End();
    }

    [Fact]
    public async Task Depth_zero_makes_nothing()
    {
        await using var set = NewSet(depth: 0, _ => Task.FromResult(Interlocked.Increment(ref _made)));
        set.Start();
        Assert.False(set.TryTake(out _));
        await set.WaitUntilFullAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, Volatile.Read(ref _made));
    }

    private ReadySet<int> NewSet(int depth, Func<CancellationToken, Task<int>> make, CreatesInFlight? creates = null) =>
        new("a test thing", depth, make, (item, _) =>
        {
            lock (_discarded)
            {
                _discarded.Add(item);
            }

            return Task.CompletedTask;
        }, NullLogger.Instance, creates);
}
