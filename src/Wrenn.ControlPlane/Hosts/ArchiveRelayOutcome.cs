using Grpc.Core;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// How <see cref="ArchiveRelay"/> ended: the receiving host's <see cref="Answer"/>; or the sending host
/// failed mid-stream (<see cref="SourceFailure"/>); or the receiving host refused or dropped the archive
/// (<see cref="TargetStatus"/>, null when its call ended without one).
/// </summary>
public sealed record ArchiveRelayOutcome<TAnswer>(TAnswer? Answer, RpcException? SourceFailure, RpcException? TargetStatus)
    where TAnswer : class
{
    public static ArchiveRelayOutcome<TAnswer> Delivered(TAnswer answer) => new(answer, null, null);

    public static ArchiveRelayOutcome<TAnswer> SourceFailed(RpcException failure) => new(null, failure, null);

    public static ArchiveRelayOutcome<TAnswer> Refused(RpcException? status) => new(null, null, status);
}
