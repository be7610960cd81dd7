namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>What one fake firecracker process found when it started: how it was called and where it runs.</summary>
/// <param name="Pid">Its pid.</param>
/// <param name="Started">When, on the monotonic clock all processes share (orders the launches).</param>
/// <param name="Arguments">Its firecracker arguments (without the wrapper's control directory).</param>
/// <param name="MountNamespace">readlink /proc/self/ns/mnt.</param>
/// <param name="NetNamespace">readlink /proc/self/ns/net.</param>
/// <param name="Session">Its session id (equal to <paramref name="Pid"/> when it was started with setsid).</param>
public sealed record FakeFirecrackerLaunchRecord(int Pid, long Started, IReadOnlyList<string> Arguments, string MountNamespace, string NetNamespace, int Session);
