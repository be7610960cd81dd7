namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// A QEMU started ahead for a VM template, its saved state already read, its guest not yet run
/// (<see cref="PreparedVmms"/>): <paramref name="Directory"/> is laid out as a sandbox's and is renamed
/// into the sandbox that takes it. <paramref name="Stamp"/> says which version of the template it holds.
/// </summary>
public sealed record PreparedVmm(string Template, string Directory, uint Vcpus, uint MemoryMb, string Stamp, Func<Task> DiscardAsync)
{
    public DateTimeOffset MadeAt { get; init; } = DateTimeOffset.UtcNow;
}
