using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Pool;

/// <summary>The pool's logic with a fake filler: no root, no runtime.</summary>
public sealed class WarmPoolTests
{
    private static readonly PoolKey Minimal = new("minimal", 1, 256);

    private readonly ManualClock _clock = new();
    private readonly FakePoolFiller _filler = new();
    private readonly SandboxTable _table = new();

    private WarmPool Pool(int depth = 3, params WarmPoolTarget[] more) => new(
        _filler,
        _table,
        Options.Create(new WarmPoolOptions { Targets = [new WarmPoolTarget(Minimal, depth), .. more] }),
        _clock,
        NullLogger<WarmPool>.Instance);

    /// <summary>A sandbox of the host (claimed or made cold) in the table, as the create puts it there.</summary>
    private Sandbox Running(uint vcpus, uint memoryMb)
    {
        var id = WrennIds.NewSandboxId();
        var sandbox = new Sandbox(new CreateSandboxSpec(id, "minimal", vcpus, memoryMb, 0, new Dictionary<string, string>()), "/nonexistent/" + id) { State = SandboxState.Running };
        Assert.Same(sandbox, _table.GetOrAdd(sandbox));
        return sandbox;
    }

    /// <summary>Claims a ready sandbox of <paramref name="key"/> as the sandbox manager does: out of the pool, into the table.</summary>
    private void Claim(WarmPool pool, PoolKey key)
    {
        Assert.NotNull(pool.TryTake(key));
        Running(key.Vcpus, key.MemoryMb);
    }

    private static async Task FillAsync(WarmPool pool)
    {
        while (await pool.RefillOnceAsync(CancellationToken.None))
        {
        }
    }

    [Fact]
    public async Task Fills_each_key_to_its_depth_one_sandbox_at_a_time()
    {
        var other = new PoolKey("minimal", 2, 1024);
        using var pool = Pool(3, new WarmPoolTarget(other, 2));
        Assert.True(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Single(_filler.Made);
        await FillAsync(pool);

        Assert.Equal(3, pool.ReadyCount(Minimal));
        Assert.Equal(2, pool.ReadyCount(other));
        Assert.Equal(5, _filler.Made.Count);
        Assert.Equal(new WarmPoolStatus(5, 3 * 1 + 2 * 2, 3 * 256 + 2 * 1024), pool.Status());
    }

    [Fact]
    public async Task Reports_its_ready_sandboxes_per_key_and_a_claim_lowers_its_keys_count()
    {
        var other = new PoolKey("minimal", 2, 1024);
        using var pool = Pool(3, new WarmPoolTarget(other, 2));
        Assert.Equal([new PoolLaneStatus(Minimal, 0), new PoolLaneStatus(other, 0)], pool.Report().Lanes);
        await FillAsync(pool);
        Assert.NotNull(pool.TryTake(Minimal));

        Assert.Equal([new PoolLaneStatus(Minimal, 2), new PoolLaneStatus(other, 2)], pool.Report().Lanes);
    }

    [Fact]
    public async Task A_claim_takes_a_ready_sandbox_of_its_key_only()
    {
        using var pool = Pool(2);
        await FillAsync(pool);

        Assert.Null(pool.TryTake(new PoolKey("minimal", 1, 512)));
        Assert.Null(pool.TryTake(new PoolKey("other", 1, 256)));
        var taken = pool.TryTake(Minimal);
        Assert.NotNull(taken);
        Assert.Contains(taken.Sandbox, _filler.Made);
        Assert.Equal(1, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task Concurrent_claims_never_share_a_sandbox()
    {
        using var pool = Pool(16);
        await FillAsync(pool);

        var claims = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => pool.TryTake(Minimal))));
        var taken = claims.OfType<PooledSandbox>().Select(p => p.Sandbox).ToList();
        Assert.Equal(16, taken.Count);
        Assert.Equal(16, taken.Distinct().Count());
        Assert.Equal(0, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task A_taken_sandbox_never_comes_back_and_the_pool_refills_with_new_ones()
    {
        using var pool = Pool(1);
        await FillAsync(pool);
        var first = pool.TryTake(Minimal)!.Sandbox;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await FillAsync(pool);

        var second = pool.TryTake(Minimal)!.Sandbox;
        Assert.NotSame(first, second);
        Assert.Equal(2, _filler.Made.Count);
    }

    [Fact]
    public async Task A_claim_holds_its_keys_refill_back_for_a_moment()
    {
        using var pool = Pool(2);
        await FillAsync(pool);
        Assert.NotNull(pool.TryTake(Minimal));

        Assert.False(await pool.RefillOnceAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Equal(2, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task A_failed_refill_leaves_nothing_and_backs_off_doubling()
    {
        using var pool = Pool(2);
        _filler.FailWith = new InjectedFaultException("no");

        Assert.True(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Equal(0, pool.ReadyCount(Minimal));
        Assert.Equal(new WarmPoolStatus(0, 0, 0), pool.Status());

        // Within the first backoff (1 s) nothing is tried.
        Assert.False(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Equal(1, _filler.Attempts);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Equal(2, _filler.Attempts);

        // Second failure in a row: 2 s.
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(await pool.RefillOnceAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(0.5));
        _filler.FailWith = null;
        await FillAsync(pool);
        Assert.Equal(2, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task A_changed_image_or_envd_drains_the_key_and_the_claim_goes_cold()
    {
        using var pool = Pool(2);
        await FillAsync(pool);
        _filler.SetStamp("minimal", "v2");

        Assert.Null(pool.TryTake(Minimal));
        await pool.DestroyAllAsync(CancellationToken.None);
        Assert.Equal(2, _filler.Destroyed.Count);
    }

    [Fact]
    public async Task A_changed_image_is_drained_by_the_refill_loop_without_a_claim()
    {
        using var pool = Pool(2);
        await FillAsync(pool);
        _filler.SetStamp("minimal", "v2");

        await FillAsync(pool);
        Assert.Equal(2, _filler.Destroyed.Count);
        Assert.Equal(4, _filler.Made.Count);
        Assert.Equal("v2", pool.TryTake(Minimal)!.Stamp);
    }

    [Fact]
    public async Task Refills_after_a_change_are_made_of_the_new_image()
    {
        using var pool = Pool(1);
        await FillAsync(pool);
        _filler.SetStamp("minimal", "v2");
        Assert.Null(pool.TryTake(Minimal));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await FillAsync(pool);

        var taken = pool.TryTake(Minimal);
        Assert.Equal("v2", taken!.Stamp);
    }

    [Fact]
    public async Task A_deleted_template_stops_the_refill()
    {
        using var pool = Pool(1);
        _filler.SetStamp("minimal", null);
        Assert.True(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Equal(0, _filler.Attempts);
        Assert.Equal(0, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task Draining_a_template_destroys_its_sandboxes_and_one_being_made()
    {
        using var pool = Pool(2, new WarmPoolTarget(new PoolKey("other", 1, 256), 1));
        await FillAsync(pool);
        Assert.Equal(3, _filler.Made.Count);
        pool.TryTake(Minimal);
        _clock.Advance(TimeSpan.FromSeconds(1));

        // A refill of the drained template is under way while the drain runs.
        _filler.Hold = new TaskCompletionSource();
        var refill = pool.RefillOnceAsync(CancellationToken.None);
        await pool.DrainAsync("minimal", CancellationToken.None);
        _filler.Hold.SetResult();
        await refill;

        Assert.Equal(0, pool.ReadyCount(Minimal));
        Assert.Equal(1, pool.ReadyCount(new PoolKey("other", 1, 256)));
        Assert.Equal(2, _filler.Destroyed.Count);
        Assert.All(_filler.Destroyed, s => Assert.Equal("minimal", s.Spec.Template));
    }

    [Fact]
    public async Task A_quiet_key_shrinks_to_one_and_a_claim_raises_it_again()
    {
        using var pool = Pool(3);
        await FillAsync(pool);

        _clock.Advance(TimeSpan.FromMinutes(11));
        await FillAsync(pool);
        Assert.Equal(1, pool.ReadyCount(Minimal));
        Assert.Equal(2, _filler.Destroyed.Count);

        Assert.NotNull(pool.TryTake(Minimal));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await FillAsync(pool);
        Assert.Equal(3, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task Destroy_all_removes_every_pooled_sandbox_and_stops_the_refill()
    {
        using var pool = Pool(3);
        await FillAsync(pool);
        await pool.DestroyAllAsync(CancellationToken.None);

        Assert.Equal(0, _filler.Alive);
        Assert.False(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Null(pool.TryTake(Minimal));
    }

    [Fact]
    public async Task A_stop_destroys_pooled_sandboxes_several_at_a_time()
    {
        using var pool = Pool(6);
        await FillAsync(pool);
        _filler.HoldDestroys = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Each destroy waits until released: one at a time, only one is ever under way.
        var stopping = pool.DestroyAllAsync(CancellationToken.None);
        for (var waited = 0; waited < 500 && _filler.MostDestroysAtOnce < 4; waited++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        _filler.HoldDestroys.SetResult();
        await stopping;
        Assert.True(_filler.MostDestroysAtOnce > 1, $"pooled sandboxes were destroyed one at a time ({_filler.MostDestroysAtOnce} at most)");
        Assert.Equal(0, _filler.Alive);
    }

    [Fact]
    public async Task No_targets_no_pool()
    {
        using var pool = new WarmPool(_filler, _table, Options.Create(new WarmPoolOptions()), _clock, NullLogger<WarmPool>.Instance);
        Assert.False(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Null(pool.TryTake(Minimal));
        Assert.Equal(0, _filler.Attempts);
    }

    [Fact]
    public async Task After_a_burst_of_claims_the_pool_refills_only_the_room_the_hosts_sandboxes_leave()
    {
        // 6 vCPUs of room for the host's sandboxes and pool together; a pool of 4.
        using var pool = Pool(4);
        pool.LimitTo(new HostCapacity(6, null));
        await FillAsync(pool);
        Assert.Equal(4, pool.ReadyCount(Minimal));

        // Four claims: the four sandboxes are the host's now, and only 2 vCPUs are left for the pool.
        for (var i = 0; i < 4; i++)
        {
            Claim(pool, Minimal);
        }

        _clock.Advance(TimeSpan.FromSeconds(1));
        await FillAsync(pool);
        Assert.Equal(2, pool.ReadyCount(Minimal));
        Assert.Equal(6, _table.Reserved().Vcpus + pool.Status().Vcpus);

        // A sandbox that ends gives its room back to the pool.
        _table.Remove(_table.List()[0]);
        await FillAsync(pool);
        Assert.Equal(3, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task Memory_bounds_the_pool_as_vcpus_do()
    {
        using var pool = Pool(4);
        pool.LimitTo(new HostCapacity(null, 700));
        Running(1, 200);
        await FillAsync(pool);
        Assert.Equal(1, pool.ReadyCount(Minimal));
    }

    [Fact]
    public async Task A_cold_create_takes_the_room_the_pool_holds_and_the_pool_destroys_what_was_in_its_way()
    {
        var other = new PoolKey("other", 2, 256);
        using var pool = Pool(3, new WarmPoolTarget(other, 1));
        pool.LimitTo(new HostCapacity(6, null));
        await FillAsync(pool);
        Assert.Equal((3, 1), (pool.ReadyCount(Minimal), pool.ReadyCount(other)));

        // A cold create of 3 vCPUs is in the table: the pool gives up 3 vCPUs' worth, starting with its fullest key.
        var cold = Running(3, 256);
        Assert.Equal(2, pool.GiveWay(cold.Id));
        Assert.Equal((1, 1), (pool.ReadyCount(Minimal), pool.ReadyCount(other)));
        await pool.DestroyAllAsync(CancellationToken.None);
        Assert.Equal(0, _filler.Alive);
    }

    [Fact]
    public async Task Sandboxes_that_grew_into_the_pools_room_take_it_back_at_the_next_refill()
    {
        // A sandbox arrived without a create (moved here from a draining host): the refill loop gives way.
        using var pool = Pool(4);
        pool.LimitTo(new HostCapacity(5, null));
        await FillAsync(pool);
        Running(3, 256);
        Assert.True(await pool.RefillOnceAsync(CancellationToken.None));
        Assert.Equal(2, pool.ReadyCount(Minimal));
        Assert.Equal(2, _filler.Destroyed.Count);
    }

    [Fact]
    public async Task A_refill_whose_room_a_create_took_while_it_was_made_is_destroyed()
    {
        // Room for 3: after a claim, one claimed, one ready, and one being made.
        using var pool = Pool(2);
        pool.LimitTo(new HostCapacity(3, null));
        await FillAsync(pool);
        Claim(pool, Minimal);
        _clock.Advance(TimeSpan.FromSeconds(1));
        _filler.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refill = pool.RefillOnceAsync(CancellationToken.None);

        // A cold create of 2 vCPUs meanwhile: the ready one is destroyed at once, the one being made when it is done.
        Running(2, 256);
        Assert.Equal(1, pool.GiveWay("sb-cold"));
        _filler.Hold.SetResult();
        Assert.True(await refill);

        Assert.Equal(0, pool.ReadyCount(Minimal));
        Assert.Equal(new WarmPoolStatus(0, 0, 0), pool.Status());
        await pool.DestroyAllAsync(CancellationToken.None);

        // Only the claimed sandbox is left: it is the host's.
        Assert.Equal(1, _filler.Alive);
    }

    [Fact]
    public async Task Without_a_capacity_from_the_control_plane_the_pool_fills_to_its_depth()
    {
        using var pool = Pool(4);
        Running(64, 65_536);
        await FillAsync(pool);
        Assert.Equal(4, pool.ReadyCount(Minimal));
        Assert.Equal(0, pool.GiveWay("sb-cold"));
    }
}
