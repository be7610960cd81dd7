using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Storage;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests;

/// <summary>Container sandboxes run in a user namespace or not at all (unless told otherwise), on host mounts that honour no devices or set-id bits.</summary>
[Collection(HostCollection.Name)]
public sealed class ContainerUserNamespaceTests
{
    [Fact]
    public async Task Without_a_usable_user_namespace_creation_is_refused_with_the_reason_and_nothing_is_made()
    {
        var ct = TestContext.Current.CancellationToken;
        // runc (as sandbox root) cannot pass through this directory, so no user namespace can be used below it.
        var closed = Directory.CreateTempSubdirectory("wrenn-closed-").FullName;
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var refused = new AgentOptions { WrennDir = Path.Combine(closed, "wrenn") };
            await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Replace(ServiceDescriptor.Singleton(sp => new ContainerRuntime(
                sp.GetRequiredService<ICommandRunner>(),
                sp.GetRequiredService<IOptions<ContainerRuntimeOptions>>(),
                Options.Create(refused),
                NullLogger<ContainerRuntime>.Instance))));
            var runtime = agent.Runtime;
            Assert.Null(runtime.Capabilities.UserNamespace);
            Assert.Contains(closed, runtime.Capabilities.Refusal, StringComparison.Ordinal);
            Assert.Contains("WRENN_SANDBOX_USERNS=off", runtime.Capabilities.Refusal, StringComparison.Ordinal);

            var spec = Spec();
            var error = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => agent.Manager.CreateAsync(spec, ct));
            Assert.Contains("user namespace", error.Message, StringComparison.Ordinal);
            Assert.Empty(agent.Manager.List());
            Assert.False(Directory.Exists(Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId)));
            Assert.Equal(Grpc.Core.StatusCode.Unavailable, Wrenn.Agent.Rpc.ExceptionStatusInterceptor.StatusFor(error));
        }
        finally
        {
            Directory.Delete(closed, recursive: true);
        }
    }

    [Fact]
    public void Off_on_purpose_runs_without_one_and_refuses_nothing()
    {
        var wrennDir = Directory.CreateTempSubdirectory("wrenn-userns-off-").FullName;
        try
        {
            var runtime = new ContainerRuntime(
                new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance),
                Options.Create(new ContainerRuntimeOptions { UserNamespace = false }),
                Options.Create(new AgentOptions { WrennDir = wrennDir }),
                NullLogger<ContainerRuntime>.Instance);
            Assert.Null(runtime.Capabilities.UserNamespace);
            Assert.Null(runtime.Capabilities.Refusal);
        }
        finally
        {
            Directory.Delete(wrennDir, recursive: true);
        }
    }

    [Fact]
    public async Task The_sandbox_disk_is_mounted_nosuid_nodev_and_its_root_nodev_on_the_host()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var spec = Spec();
        await agent.Manager.CreateAsync(spec, ct);
        var directory = Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId);

        var disk = MountOptions(SandboxDisk.MountPoint(directory));
        Assert.Contains("nosuid", disk);
        Assert.Contains("nodev", disk);
        Assert.Contains("nodev", MountOptions(OverlayRootfs.MountPoint(directory)));
    }

    private static Wrenn.Agent.Sandboxes.CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    /// <summary>The per-mount options (field 6 of /proc/self/mountinfo) of the mount at <paramref name="mountPoint"/>.</summary>
    private static IReadOnlyList<string> MountOptions(string mountPoint)
    {
        var line = File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).LastOrDefault(f => f.Length > 5 && f[4] == mountPoint);
        Assert.True(line is not null, $"{mountPoint} is not mounted");
        return line[5].Split(',');
    }
}
