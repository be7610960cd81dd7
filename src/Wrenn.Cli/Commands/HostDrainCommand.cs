using System.CommandLine;
using Wrenn.Cli.Api;
using Wrenn.Cli.Output;
using Wrenn.Sdk;

namespace Wrenn.Cli.Commands;

/// <summary>
/// `wrenn host drain ID [--wait]`: drains a host (nothing new goes there; the control plane pauses its
/// sandboxes and moves them to other hosts in the background) and prints it. With --wait it then
/// prints how many are left whenever that changes, until none are (exit 0), or until every one left
/// could not be moved (exit 1, each with why: they stay paused there and are tried again later).
/// </summary>
public static class HostDrainCommand
{
    /// <summary>How often --wait asks how far the drain has got.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public static Command Create(ApiOptions api)
    {
        var hostId = new Argument<string>("id") { Description = "Host id" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the host has no sandboxes left, printing progress" };
        var command = new Command("drain", "Drain a host: no new sandboxes go there, and its sandboxes are paused and moved to other hosts; undo with 'undrain'") { hostId, wait };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.Session, async (client, json) =>
        {
            var id = parse.GetValue(hostId)!;
            var host = await client.Hosts.DrainAsync(id, ct).ConfigureAwait(false);
            return parse.GetValue(wait) ? await WaitAsync(client, host, json, ct).ConfigureAwait(false) : Print(host, json);
        }));
        return command;
    }

    private static async Task<int> WaitAsync(WrennClient client, HostInfo host, bool json, CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            if (host.Drain is not { } drain)
            {
                await Console.Error.WriteLineAsync($"wrenn: host {host.Id} is no longer draining").ConfigureAwait(false);
                return 1;
            }

            var line = $"host {host.Id}: {drain.SandboxesLeft} sandbox(es) left ({drain.Running} running, {drain.Paused} paused, {drain.Moving} moving, {drain.Failed.Count} could not be moved)";
            if (line != last && !json)
            {
                Console.WriteLine(line);
                last = line;
            }

            if (drain.SandboxesLeft == 0)
            {
                return json ? Print(host, json) : Done(host.Id);
            }

            if (drain.Moving == 0 && drain.Failed.Count >= drain.SandboxesLeft)
            {
                foreach (var failed in drain.Failed)
                {
                    await Console.Error.WriteLineAsync($"wrenn: sandbox {failed.SandboxId} ({failed.State}) stays on host {host.Id}: {failed.Reason}").ConfigureAwait(false);
                }

                await Console.Error.WriteLineAsync($"wrenn: {drain.SandboxesLeft} sandbox(es) could not be moved off host {host.Id}; it keeps trying every minute ('wrenn host get {host.Id}'), or delete them").ConfigureAwait(false);
                if (json)
                {
                    Print(host, json);
                }

                return 1;
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            host = await client.Hosts.GetAsync(host.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int Done(string hostId)
    {
        Console.WriteLine($"host {hostId} is empty");
        return 0;
    }

    private static int Print(HostInfo host, bool json)
    {
        var node = JsonOutput.Node(host, ApiJsonContext.Default.HostInfo);
        if (json)
        {
            JsonOutput.Write(node);
        }
        else
        {
            JsonOutput.WriteFields(node);
        }

        return 0;
    }
}
