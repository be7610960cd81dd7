using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// A container sandbox whose envd takes a passed listening socket gets one from the agent, made in its own network
/// namespace; one that does not (or with passing turned off) binds its own port as before. Either way it answers.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class EnvdSocketPassingTests
{
    [Fact]
    public async Task A_sandbox_of_an_image_whose_envd_takes_the_socket_is_served_on_the_passed_socket_which_nothing_else_holds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<ContainerRuntimeOptions>(o => o.PassEnvdSocket = true));
        var spec = Spec();
        var sandbox = await agent.Manager.CreateAsync(spec, ct);

        // The image this build makes carries an envd that takes it.
        Assert.True(new EnvdSocketSupport().Supports(sandbox.Runtime!.RootfsPath));

        // PID 1 (tini) was started with LISTEN_FDS=1; what a command inherits has no trace of it.
        var init = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "tr '\\0' '\\n' < /proc/1/environ | grep '^LISTEN_' || true; echo ---; env | grep '^LISTEN_' || true; ls -l /proc/self/fd/ | grep -c socket || true", "root"), ct);
        var output = Encoding.UTF8.GetString(init.Stdout).Split("---\n");
        Assert.Equal("LISTEN_FDS=1", output[0].Trim());
        Assert.Equal("0", output[1].Trim().Split('\n')[^1]);
        Assert.DoesNotContain("LISTEN_", output[1], StringComparison.Ordinal);

        // The console log's rotator outlives the start; a copy of the socket there would keep the namespace alive.
        var rotators = ConsoleRotators.Under(sandbox.Runtime.Directory);
        Assert.NotEmpty(rotators);
        foreach (var pid in rotators)
        {
            Assert.DoesNotContain(Descriptors(pid), link => link.StartsWith("socket:", StringComparison.Ordinal));
        }

        var echoed = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "echo served"), ct);
        Assert.Equal("served\n", Encoding.UTF8.GetString(echoed.Stdout));
    }

    [Fact]
    public async Task With_passing_off_envd_binds_its_own_port_and_the_sandbox_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<ContainerRuntimeOptions>(o => o.PassEnvdSocket = false));
        var spec = Spec();
        await agent.Manager.CreateAsync(spec, ct);

        var init = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "tr '\\0' '\\n' < /proc/1/environ | grep -c '^LISTEN_' || true; echo served", "root"), ct);
        Assert.Equal("0\nserved\n", Encoding.UTF8.GetString(init.Stdout));
    }

    private static List<string> Descriptors(int pid)
    {
        var links = new List<string>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                {
                    links.Add(target);
                }
            }
        }
        catch (IOException)
        {
            // Gone meanwhile.
        }

        return links;
    }

    private static CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    private static ExecSpec Exec(string sandboxId, string command, string? user = null) =>
        new(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), user);
}
