using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Wrenn.Cli.Api;
using Wrenn.Cli.Output;
using Wrenn.Sdk;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn sandbox create|ls|info|exec|shell|cp|pause|resume|ping|rm`.</summary>
public static class SandboxCommand
{
    public static Command Create()
    {
        var api = new ApiOptions();
        var command = new Command("sandbox", "Create, list, use and remove sandboxes");
        api.AddTo(command);
        command.Subcommands.Add(CreateCommand(api));
        command.Subcommands.Add(ListCommand(api));
        command.Subcommands.Add(Simple(api, "info", "Show one sandbox", quiet: true, (sandbox, ct) => Task.FromResult<SandboxInfo?>(sandbox.Info)));
        command.Subcommands.Add(ExecCommand(api));
        command.Subcommands.Add(ShellCommand.Create(api));
        command.Subcommands.Add(CopyCommand(api));
        command.Subcommands.Add(Simple(api, "pause", "Freeze every process of a sandbox", quiet: false, async (sandbox, ct) => await sandbox.PauseAsync(ct).ConfigureAwait(false)));
        command.Subcommands.Add(Simple(api, "resume", "Continue a paused sandbox", quiet: false, async (sandbox, ct) => await sandbox.ResumeAsync(cancellationToken: ct).ConfigureAwait(false)));
        command.Subcommands.Add(Simple(api, "ping", "Reset a sandbox's inactivity timer", quiet: false, async (sandbox, ct) => await sandbox.PingAsync(ct).ConfigureAwait(false)));
        command.Subcommands.Add(Simple(api, "rm", "Destroy a sandbox", quiet: false, async (sandbox, ct) =>
        {
            await sandbox.KillAsync(ct).ConfigureAwait(false);
            return null;
        }));
        return command;
    }

    private static Command CreateCommand(ApiOptions api)
    {
        var template = new Option<string?>("--template") { Description = "Base image or template (default minimal)" };
        var vcpus = new Option<int?>("--vcpus") { Description = "vCPUs (default 1; a template fixes it)" };
        var memory = new Option<int?>("--memory") { Description = "Memory in MiB (default 512; a template fixes it)" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds of inactivity before the sandbox is paused (default 0 = never)" };
        var metadata = new Option<string[]>("--metadata") { Description = "key=value, repeatable", AllowMultipleArgumentsPerToken = true };
        var env = new Option<string[]>("--env") { Description = "NAME=value for every process, repeatable", AllowMultipleArgumentsPerToken = true };
        var command = new Command("create", "Create a sandbox and print its id") { template, vcpus, memory, timeout, metadata, env };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            var options = new CreateSandboxOptions
            {
                Template = parse.GetValue(template),
                Vcpus = parse.GetValue(vcpus),
                MemoryMb = parse.GetValue(memory),
                Timeout = parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                Metadata = Pairs(parse.GetValue(metadata), "--metadata"),
                Env = Pairs(parse.GetValue(env), "--env"),
            };
            Sandbox sandbox;
            await using (Spinner.Start("creating sandbox", json))
            {
                sandbox = await client.CreateSandboxAsync(options, ct).ConfigureAwait(false);
            }

            if (json)
            {
                JsonOutput.Write(JsonOutput.Node(sandbox.Info, ApiJsonContext.Default.SandboxInfo));
            }
            else
            {
                Console.WriteLine(sandbox.Id);
            }

            return 0;
        }));
        return command;
    }

    private static Command ListCommand(ApiOptions api)
    {
        var state = new Option<string?>("--state") { Description = "Only these states, comma-separated (default: all but stopped)" };
        var metadata = new Option<string[]>("--metadata") { Description = "Only sandboxes with this key=value, repeatable", AllowMultipleArgumentsPerToken = true };
        var command = new Command("ls", "List your team's sandboxes") { state, metadata };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            var states = parse.GetValue(state)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var sandboxes = await client.ListSandboxesAsync(states, Pairs(parse.GetValue(metadata), "--metadata"), ct).ConfigureAwait(false);
            var all = JsonOutput.List("sandboxes", sandboxes, ApiJsonContext.Default.IReadOnlyListSandboxInfo);
            if (json)
            {
                JsonOutput.Write(all);
                return 0;
            }

            Table.Write(
                Console.Out,
                ["ID", "STATE", "TEMPLATE", "VCPUS", "MEMORY", "CREATED"],
                all["sandboxes"]!.AsArray().Select(s => (IReadOnlyList<string>)[
                    JsonOutput.Text(s, "id"), JsonOutput.Text(s, "state"), JsonOutput.Text(s, "template"),
                    JsonOutput.Text(s, "vcpus"), JsonOutput.Text(s, "memory_mb") + " MiB", JsonOutput.Text(s, "created_at")]));
            return 0;
        }));
        return command;
    }

    /// <summary>A command on one sandbox by id: the sandbox as the call left it, one field a line (nothing for rm).</summary>
    private static Command Simple(ApiOptions api, string name, string description, bool quiet, Func<Sandbox, CancellationToken, Task<SandboxInfo?>> call)
    {
        var id = new Argument<string>("id") { Description = "Sandbox id (sb-…)" };
        var command = new Command(name, description) { id };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            SandboxInfo? answer;
            await using (Spinner.Start(name, json || quiet))
            {
                var sandbox = await client.ConnectAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
                answer = await call(sandbox, ct).ConfigureAwait(false);
            }

            var node = answer is null ? null : JsonOutput.Node(answer, ApiJsonContext.Default.SandboxInfo);
            if (json)
            {
                JsonOutput.Write(node);
            }
            else
            {
                JsonOutput.WriteFields(node);
            }

            return 0;
        }));
        return command;
    }

    private static Command ExecCommand(ApiOptions api)
    {
        var id = new Argument<string>("id") { Description = "Sandbox id" };
        var commandLine = new Argument<string[]>("command") { Description = "The command: one argument is a shell line (bash -l -c); several are a program and its arguments", Arity = ArgumentArity.OneOrMore };
        var user = new Option<string?>("--user") { Description = "Unix user inside the sandbox (default user)" };
        var cwd = new Option<string?>("--cwd") { Description = "Working directory" };
        var timeout = new Option<int?>("--timeout") { Description = "Kill the command after this many seconds (default 60)" };
        var env = new Option<string[]>("--env") { Description = "NAME=value, repeatable", AllowMultipleArgumentsPerToken = true };
        var command = new Command("exec", "Run a command in a sandbox; its output streams here and its exit code is wrenn's") { id, commandLine, user, cwd, timeout, env };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            var words = parse.GetValue(commandLine)!;
            var sandbox = await client.ConnectAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();

            // Output goes out as it comes, byte for byte (binary output too), and is not kept: a
            // command may print more than fits in memory. --json prints one event per line instead.
            var options = new CommandOptions
            {
                Args = words.Length > 1 ? words[1..] : null,
                User = parse.GetValue(user),
                Cwd = parse.GetValue(cwd),
                Timeout = parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                Env = Pairs(parse.GetValue(env), "--env"),
                CollectOutput = false,
                OnStdoutBytes = data => Forward(json, "stdout", stdout, data),
                OnStderrBytes = data => Forward(json, "stderr", stderr, data),
            };
            await using var handle = await sandbox.Commands.StartAsync(words[0], options, ct).ConfigureAwait(false);
            var result = await handle.WaitAsync(ct).ConfigureAwait(false);
            if (json)
            {
                Console.WriteLine(new JsonObject { ["type"] = "exit", ["exit_code"] = result.ExitCode }.ToJsonString());
            }

            return result.ExitCode;
        }));
        return command;
    }

    private static void Forward(bool json, string type, Stream target, ReadOnlyMemory<byte> data)
    {
        if (json)
        {
            Console.WriteLine(new JsonObject { ["type"] = type, ["data"] = Encoding.UTF8.GetString(data.Span) }.ToJsonString());
            return;
        }

        target.Write(data.Span);
        target.Flush();
    }

    private static Command CopyCommand(ApiOptions api)
    {
        var source = new Argument<string>("source") { Description = "A local path, or SANDBOX:/path" };
        var destination = new Argument<string>("destination") { Description = "SANDBOX:/path, or a local path ('-' for stdout)" };
        var user = new Option<string?>("--user") { Description = "Unix user who owns what is written (default user)" };
        var command = new Command("cp", "Copy a file into or out of a sandbox, streaming (no size limit)") { source, destination, user };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(destination)!;
            var owner = parse.GetValue(user);
            if (SandboxPath(to) is var (sandboxId, remotePath) && SandboxPath(from) is null)
            {
                var info = new FileInfo(from);
                if (!info.Exists)
                {
                    throw new CliException($"{from}: no such file");
                }

                var sandbox = await client.ConnectAsync(sandboxId, ct).ConfigureAwait(false);
                var progress = new ProgressBar("upload", info.Length, json);
                long written;
                await using (var content = new ProgressStream(info.OpenRead(), progress))
                {
                    written = await sandbox.Files.WriteAsync(remotePath, content, owner, ct).ConfigureAwait(false);
                }

                progress.Finish();
                if (json)
                {
                    JsonOutput.Write(new JsonObject { ["files"] = new JsonArray(new JsonObject { ["path"] = remotePath, ["size"] = written }) });
                }

                return 0;
            }

            if (SandboxPath(from) is var (fromSandbox, fromPath) && SandboxPath(to) is null)
            {
                var sandbox = await client.ConnectAsync(fromSandbox, ct).ConfigureAwait(false);
                await using var file = await sandbox.Files.OpenReadAsync(fromPath, owner, ct).ConfigureAwait(false);
                var progress = new ProgressBar("download", file.ContentLength, json || to == "-");
                await using var body = new ProgressStream(file, progress);
                await using (var target = to == "-" ? Console.OpenStandardOutput() : File.Create(to))
                {
                    await body.CopyToAsync(target, 64 * 1024, ct).ConfigureAwait(false);
                }

                progress.Finish();
                if (json && to != "-")
                {
                    JsonOutput.Write(new JsonObject { ["path"] = Path.GetFullPath(to), ["size"] = progress.Done });
                }

                return 0;
            }

            await Console.Error.WriteLineAsync("wrenn sandbox cp: exactly one side must be SANDBOX:/path").ConfigureAwait(false);
            return 2;
        }));
        return command;
    }

    /// <summary>"sb-…:/path" → (id, path); anything else is a local path.</summary>
    private static (string Sandbox, string Path)? SandboxPath(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 3 && text.StartsWith("sb-", StringComparison.Ordinal) ? (text[..colon], text[(colon + 1)..]) : null;
    }

    private static Dictionary<string, string>? Pairs(string[]? pairs, string option)
    {
        if (pairs is not { Length: > 0 })
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"{option} '{pair}' must be key=value");
            }

            result[pair[..equals]] = pair[(equals + 1)..];
        }

        return result;
    }
}
