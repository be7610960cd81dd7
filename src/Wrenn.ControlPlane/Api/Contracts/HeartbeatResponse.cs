namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record HeartbeatResponse(int HeartbeatIntervalSec);
