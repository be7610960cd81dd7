namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Turns the memory file Firecracker wrote at a pause into the next generation of a snapshot
/// directory: a full snapshot (every non-zero block), or a diff — Firecracker's diff file is sparse,
/// its data extents are exactly the pages written since the last snapshot — whose blocks go into a
/// new <c>memfile.&lt;build&gt;</c> while the header keeps pointing at older memfiles for the rest.
/// </summary>
public static class MemoryGenerations
{
    public const int BlockSize = 4096;

    /// <summary>True when the next pause must be a full snapshot: none yet, or the chain is at its longest.</summary>
    public static bool NextIsFull(string directory) =>
        !File.Exists(SnapshotDirectory.HeaderPath(directory))
        || SnapshotHeader.ReadFile(SnapshotDirectory.HeaderPath(directory)).Generation >= DiffChain.MaxGenerations;

    /// <summary>Adds <paramref name="rawMemfile"/> (then deleted) as the next generation; removes memfiles nothing points at any more.</summary>
    public static SnapshotPlan Add(string directory, string rawMemfile, bool full)
    {
        SnapshotPlan plan;
        using (var raw = new RawMemoryFile(rawMemfile))
        {
            var size = raw.Length;
            if (full)
            {
                plan = DiffChain.PlanFull(size, BlockSize, raw.IsZeroBlock, Guid.NewGuid());
            }
            else
            {
                var previous = SnapshotHeader.ReadFile(SnapshotDirectory.HeaderPath(directory));
                plan = DiffChain.Plan(previous, size, BlockSize, raw.DataBlocks(), raw.IsZeroBlock, Guid.NewGuid());
                if (plan.IsFull)
                {
                    throw new InvalidOperationException("the chain needs a full snapshot, but a diff was taken");
                }
            }

            SnapshotWriter.WriteGeneration(directory, plan, raw);
        }

        File.Delete(rawMemfile);
        foreach (var unreferenced in SnapshotDirectory.FindUnreferenced(directory, plan.Header))
        {
            File.Delete(unreferenced);
        }

        return plan;
    }
}
