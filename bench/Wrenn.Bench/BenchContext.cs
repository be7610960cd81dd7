using Wrenn.Bench.Baselines;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench;

/// <summary>What the measurements share: options, the platforms, and raw baselines measured once per run.</summary>
public sealed class BenchContext(BenchOptions options, PlatformHost platforms, string workDirectory)
{
    private Sample? _rawCreate;

    /// <summary>The command every create-then-exec measurement runs, in Wrenn and in the raw baseline.</summary>
    public static readonly string[] Echo = ["/bin/echo", "hello"];

    public BenchOptions Options { get; } = options;

    public PlatformHost Platforms { get; } = platforms;

    public RawRunc Raw { get; } = new(Path.Combine(TestEnvironment.Images, "minimal", "rootfs"), workDirectory);

    /// <summary>
    /// `runc run` + netns of the same image to its first output: the sample the cold row measured
    /// alternating with Wrenn's creates, or (when that row did not run) one measured now.
    /// </summary>
    public async Task<Sample> RawCreateAsync(CancellationToken cancellationToken)
    {
        if (_rawCreate is not null)
        {
            return _rawCreate;
        }

        var sample = NewRawCreateSample();
        await Raw.RunAsync(Echo, cancellationToken);
        for (var i = 0; i < Options.Runs; i++)
        {
            sample.Add((await Raw.RunAsync(Echo, cancellationToken)).Elapsed);
        }

        _rawCreate = sample;
        return sample;
    }

    /// <summary>Kept for the rows after it (warm create rows compare against the same baseline).</summary>
    public void RememberRawCreate(Sample sample) => _rawCreate = sample;

    public static Sample NewRawCreateSample() => new("raw: runc run + netns of the same rootfs (echo hello)");
}
