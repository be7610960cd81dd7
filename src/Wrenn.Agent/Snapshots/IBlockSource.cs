namespace Wrenn.Agent.Snapshots;

/// <summary>Something that can hand out the bytes of one guest memory block: live guest memory at pause, or a memfile set.</summary>
public interface IBlockSource
{
    /// <summary>Copies block <paramref name="block"/> into <paramref name="destination"/>, which is exactly one block long.</summary>
    void ReadBlock(long block, Span<byte> destination);
}
