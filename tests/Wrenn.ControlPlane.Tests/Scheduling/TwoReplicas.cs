namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>Two control-plane replicas on one PostgreSQL database, the hosts a test adds, an administrator's token, a team and its API key.</summary>
public sealed record TwoReplicas(RunningControlPlane First, RunningControlPlane Second, SchedulingHosts Hosts, ControlPlaneApi Api, string Admin, string Team, string Key);
