using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>One row of the bench (`--only` names it by <see cref="Row"/>).</summary>
public interface IMeasurement
{
    string Row { get; }

    string Title { get; }

    /// <summary>The platform it runs against; rows are grouped by it so each platform starts once.</summary>
    PlatformKind Platform { get; }

    Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken);
}
