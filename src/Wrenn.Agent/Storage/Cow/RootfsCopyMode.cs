namespace Wrenn.Agent.Storage.Cow;

/// <summary>How the fallback copies a base image when device-mapper is not there.</summary>
public enum RootfsCopyMode
{
    /// <summary>Reflink if the filesystem can (instant, shares blocks), else a sparse copy; decided once, on the first copy.</summary>
    Auto,

    /// <summary><c>cp --reflink=always</c> only (btrfs, XFS with reflink, bcachefs); fails elsewhere.</summary>
    Reflink,

    /// <summary><c>cp --sparse=always</c>: a full copy of the data, holes kept as holes.</summary>
    Sparse,
}
