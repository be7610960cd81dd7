using System.Text;
using System.Text.Json.Nodes;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// After the first container, crun loads the seccomp filter it compiled then (run.oci.seccomp_bpf_data) instead of
/// compiling it again, and the sandbox it makes refuses exactly what the first one does. Real crun.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CompiledSeccompTests
{
    // The filter's mode, unshare(CLONE_NEWUSER) (EPERM), clone3 (ENOSYS, so libc falls back to clone), and
    // unshare(CLONE_NEWNS) as sandbox root (EPERM from the filter).
    private const string Probe =
        "awk '/^Seccomp:/ {print \"mode\", $2}' /proc/self/status; "
        + "python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); "
        + "print(\"unshare-user\", l.syscall(272, 0x10000000), ctypes.get_errno()); "
        + "print(\"clone3\", l.syscall(435, 0, 0), ctypes.get_errno()); "
        + "print(\"unshare-mount\", l.syscall(272, 0x20000), ctypes.get_errno())'";

    private const string Expected = "mode 2\nunshare-user -1 1\nclone3 -1 38\nunshare-mount -1 1\n";

    [Fact]
    public async Task The_second_container_loads_the_filter_crun_compiled_for_the_first_and_refuses_the_same_calls()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var first = Spec();
        var second = Spec();
        await agent.Manager.CreateAsync(first, ct);
        // crun keeps its state in /run/crun (the agent under test sets no state directory); runc in /run/runc.
        var firstState = Path.Combine("/run/crun", "wrenn-" + first.SandboxId);
        Assert.SkipUnless(Directory.Exists(firstState), "the annotation is crun's, and the agent chose runc here");
        await agent.Manager.CreateAsync(second, ct);

        Assert.Null(Annotation(agent, first.SandboxId));
        var compiled = Annotation(agent, second.SandboxId);
        Assert.NotNull(compiled);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(firstState, "seccomp.bpf")),
            Convert.FromBase64String(compiled));

        Assert.Equal(Expected, await ProbeAsync(agent, first.SandboxId, ct));
        Assert.Equal(Expected, await ProbeAsync(agent, second.SandboxId, ct));
    }

    private static string? Annotation(AgentUnderTest agent, string sandboxId)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(agent.WrennDir, "sandboxes", sandboxId, "config.json")))!;
        return (string?)config["annotations"]?["run.oci.seccomp_bpf_data"];
    }

    private static async Task<string> ProbeAsync(AgentUnderTest agent, string sandboxId, CancellationToken ct)
    {
        var result = await agent.Commands.ExecAsync(new ExecSpec(sandboxId, Probe, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null), ct);
        Assert.True(result.ExitCode == 0, Encoding.UTF8.GetString(result.Stderr));
        return Encoding.UTF8.GetString(result.Stdout);
    }

    private static CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
}
