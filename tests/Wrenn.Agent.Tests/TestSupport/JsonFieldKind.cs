namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>The JSON shapes Firecracker's request bodies use.</summary>
public enum JsonFieldKind
{
    String,
    Boolean,

    /// <summary>A whole number (Firecracker parses into u8/u32/u64: no fractions, no negatives, no strings).</summary>
    Integer,
    Object,

    /// <summary>An array whose items all follow <see cref="JsonField.Object"/>.</summary>
    ObjectArray,

    /// <summary>An object of string values (metrics "properties").</summary>
    StringMap,
}
