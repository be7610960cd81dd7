namespace Wrenn.Agent.Snapshots;

/// <summary>
/// What one pause must write: <see cref="BlocksToWrite"/>, in that order, packed into
/// <c>memfile.&lt;BuildId&gt;</c> (the i-th block at byte i × block size), then <see cref="Header"/>.
/// </summary>
/// <param name="Header">The header to store once the memfile is complete.</param>
/// <param name="BuildId">The new generation's id; its memfile is referenced by the header only when it holds blocks.</param>
/// <param name="BlocksToWrite">Guest blocks to copy into the new memfile, ascending.</param>
/// <param name="IsFull">True when this generation starts a new chain: every non-zero block is written and nothing older is referenced.</param>
public sealed record SnapshotPlan(SnapshotHeader Header, Guid BuildId, IReadOnlyList<long> BlocksToWrite, bool IsFull);
