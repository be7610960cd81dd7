using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// With WRENN_OCI_STATE_DIR the OCI runtime is always asked with that --root, so agents sharing a machine keep their
/// containers' state apart; without it the command line is what it always was.
/// </summary>
public sealed class OciStateDirectoryTests : IDisposable
{
    private readonly string _wrennDir = Directory.CreateTempSubdirectory("wrenn-oci-root-").FullName;

    [Fact]
    public async Task A_configured_state_directory_is_the_runtimes_root_for_every_call()
    {
        var commands = new HeldLinkDeleteRunner();
        var runtime = Runtime(commands, "/run/wrenn-a/runc");

        Assert.Empty(await runtime.StopAsync(Sandbox(), TestContext.Current.CancellationToken));

        Assert.Equal(["runc --root /run/wrenn-a/runc delete --force wrenn-sb-0123456789abcdef"], commands.Commands);
    }

    [Fact]
    public async Task Without_one_the_runtime_keeps_its_default_root()
    {
        var commands = new HeldLinkDeleteRunner();
        var runtime = Runtime(commands, null);

        Assert.Empty(await runtime.StopAsync(Sandbox(), TestContext.Current.CancellationToken));

        Assert.Equal(["runc delete --force wrenn-sb-0123456789abcdef"], commands.Commands);
    }

    public void Dispose() => Directory.Delete(_wrennDir, recursive: true);

    private ContainerRuntime Runtime(HeldLinkDeleteRunner commands, string? stateDirectory) =>
        new(
            commands,
            Options.Create(new ContainerRuntimeOptions { OciRuntime = "runc", UserNamespace = false, OciStateDirectory = stateDirectory }),
            Options.Create(new AgentOptions { WrennDir = _wrennDir }),
            NullLogger<ContainerRuntime>.Instance);

    private RuntimeSandbox Sandbox() =>
        new(
            "sb-0123456789abcdef",
            Path.Combine(_wrennDir, "sandboxes", "sb-0123456789abcdef"),
            Path.Combine(_wrennDir, "sandboxes", "sb-0123456789abcdef", "rootfs"),
            new RuntimeNetwork("/var/run/netns/wrenn-a-0", IPAddress.Parse("10.40.0.1"), IPAddress.Parse("10.40.0.0"), 31, []),
            Vcpus: 1,
            MemoryMb: 256,
            new Dictionary<string, string>());
}
