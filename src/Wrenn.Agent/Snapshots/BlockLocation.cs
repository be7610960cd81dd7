namespace Wrenn.Agent.Snapshots;

/// <summary>Where one guest block's bytes are: in <c>memfile.&lt;BuildId&gt;</c> at byte <paramref name="Offset"/>.</summary>
/// <param name="BuildId">The generation that last wrote the block.</param>
/// <param name="Offset">Byte offset of the block inside that generation's memfile.</param>
public readonly record struct BlockLocation(Guid BuildId, long Offset);
