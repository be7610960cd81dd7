using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Wrenn.Cli.Api;
using Wrenn.Cli.Output;

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
        command.Subcommands.Add(Simple(api, "info", "Show one sandbox", HttpMethod.Get, string.Empty));
        command.Subcommands.Add(ExecCommand(api));
        command.Subcommands.Add(ShellCommand.Create(api));
        command.Subcommands.Add(CopyCommand(api));
        command.Subcommands.Add(Simple(api, "pause", "Freeze every process of a sandbox", HttpMethod.Post, "/pause"));
        command.Subcommands.Add(Simple(api, "resume", "Continue a paused sandbox", HttpMethod.Post, "/resume"));
        command.Subcommands.Add(Simple(api, "ping", "Reset a sandbox's inactivity timer", HttpMethod.Post, "/ping"));
        command.Subcommands.Add(Simple(api, "rm", "Destroy a sandbox", HttpMethod.Delete, string.Empty));
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
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var body = new JsonObject
            {
                ["template"] = parse.GetValue(template),
                ["vcpus"] = parse.GetValue(vcpus),
                ["memory_mb"] = parse.GetValue(memory),
                ["timeout_sec"] = parse.GetValue(timeout),
                ["metadata"] = Pairs(parse.GetValue(metadata), "--metadata"),
                ["env"] = Pairs(parse.GetValue(env), "--env"),
            };
            JsonNode? sandbox;
            await using (Spinner.Start("creating sandbox", json))
            {
                sandbox = await client.SendAsync(HttpMethod.Post, "/v1/sandboxes", WithoutNulls(body), ApiCredential.ApiKey, ct).ConfigureAwait(false);
            }

            if (json)
            {
                JsonOutput.Write(sandbox);
            }
            else
            {
                Console.WriteLine(JsonOutput.Text(sandbox, "id"));
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
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var all = new JsonArray();
            string? cursor = null;
            do
            {
                var query = new StringBuilder("/v1/sandboxes?limit=1000");
                if (parse.GetValue(state) is { } states)
                {
                    query.Append("&state=").Append(Uri.EscapeDataString(states));
                }

                foreach (var pair in parse.GetValue(metadata) ?? [])
                {
                    query.Append("&metadata=").Append(Uri.EscapeDataString(pair));
                }

                if (cursor is not null)
                {
                    query.Append("&cursor=").Append(Uri.EscapeDataString(cursor));
                }

                var page = await client.SendAsync(HttpMethod.Get, query.ToString(), null, ApiCredential.ApiKey, ct).ConfigureAwait(false);
                foreach (var sandbox in page?["sandboxes"]?.AsArray() ?? [])
                {
                    all.Add(sandbox?.DeepClone());
                }

                cursor = page?["next_cursor"]?.GetValue<string>();
            }
            while (cursor is not null);

            if (json)
            {
                JsonOutput.Write(new JsonObject { ["sandboxes"] = all });
                return 0;
            }

            Table.Write(
                Console.Out,
                ["ID", "STATE", "TEMPLATE", "VCPUS", "MEMORY", "CREATED"],
                all.Select(s => (IReadOnlyList<string>)[
                    JsonOutput.Text(s, "id"), JsonOutput.Text(s, "state"), JsonOutput.Text(s, "template"),
                    JsonOutput.Text(s, "vcpus"), JsonOutput.Text(s, "memory_mb") + " MiB", JsonOutput.Text(s, "created_at")]));
            return 0;
        }));
        return command;
    }

    private static Command Simple(ApiOptions api, string name, string description, HttpMethod method, string suffix)
    {
        var id = new Argument<string>("id") { Description = "Sandbox id (sb-…)" };
        var command = new Command(name, description) { id };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var path = $"/v1/sandboxes/{Uri.EscapeDataString(parse.GetValue(id)!)}{suffix}";
            JsonNode? answer;
            await using (Spinner.Start(name, json || method == HttpMethod.Get))
            {
                answer = await client.SendAsync(method, path, method == HttpMethod.Post ? new JsonObject() : null, ApiCredential.ApiKey, ct).ConfigureAwait(false);
            }

            if (json)
            {
                JsonOutput.Write(answer);
            }
            else if (answer is not null)
            {
                foreach (var (key, value) in answer.AsObject())
                {
                    Console.WriteLine($"{key,-15} {value?.ToJsonString().Trim('"')}");
                }
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
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var words = parse.GetValue(commandLine)!;
            var body = WithoutNulls(new JsonObject
            {
                ["cmd"] = words[0],
                ["args"] = words.Length > 1 ? new JsonArray([.. words[1..].Select(w => (JsonNode?)w)]) : null,
                ["user"] = parse.GetValue(user),
                ["cwd"] = parse.GetValue(cwd),
                ["timeout_sec"] = parse.GetValue(timeout),
                ["env"] = Pairs(parse.GetValue(env), "--env"),
            });
            using var request = client.Request(HttpMethod.Post, $"/v1/sandboxes/{Uri.EscapeDataString(parse.GetValue(id)!)}/exec/stream", ApiCredential.ApiKey);
            request.Headers.Accept.ParseAdd("application/x-ndjson");
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await client.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), Encoding.UTF8);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (json)
                {
                    Console.WriteLine(line);
                }

                var message = JsonNode.Parse(line);
                switch (message?["type"]?.GetValue<string>())
                {
                    case "stdout" or "stderr" when !json:
                        var data = message["data"]!.GetValue<string>();
                        var bytes = message["encoding"]?.GetValue<string>() == "base64" ? Convert.FromBase64String(data) : Encoding.UTF8.GetBytes(data);
                        var target = message["type"]!.GetValue<string>() == "stdout" ? stdout : stderr;
                        await target.WriteAsync(bytes, ct).ConfigureAwait(false);
                        await target.FlushAsync(ct).ConfigureAwait(false);
                        break;
                    case "exit":
                        return message["exit_code"]!.GetValue<int>();
                    case "error":
                        throw new WrennApiException(0, JsonOutput.Text(message, "code"), JsonOutput.Text(message, "message"));
                }
            }

            throw new WrennApiException(0, "host_unavailable", "the command's stream ended without an exit");
        }));
        return command;
    }

    private static Command CopyCommand(ApiOptions api)
    {
        var source = new Argument<string>("source") { Description = "A local path, or SANDBOX:/path" };
        var destination = new Argument<string>("destination") { Description = "SANDBOX:/path, or a local path ('-' for stdout)" };
        var user = new Option<string?>("--user") { Description = "Unix user who owns what is written (default user)" };
        var command = new Command("cp", "Copy a file into or out of a sandbox, streaming (no size limit)") { source, destination, user };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(destination)!;
            var userQuery = parse.GetValue(user) is { } u ? "&user=" + Uri.EscapeDataString(u) : string.Empty;
            if (SandboxPath(to) is var (sandboxId, remotePath) && SandboxPath(from) is null)
            {
                var info = new FileInfo(from);
                if (!info.Exists)
                {
                    throw new WrennApiException(0, "not_found", $"{from}: no such file");
                }

                var progress = new ProgressBar("upload", info.Length, json);
                using var request = client.Request(HttpMethod.Post, $"/v1/sandboxes/{Uri.EscapeDataString(sandboxId)}/files?path={Uri.EscapeDataString(remotePath)}{userQuery}", ApiCredential.ApiKey);
                request.Content = new StreamContent(new ProgressStream(info.OpenRead(), progress), 64 * 1024);
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
                request.Content.Headers.ContentLength = info.Length;
                using var response = await client.SendRawAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                progress.Finish();
                var written = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                if (json)
                {
                    JsonOutput.Write(written);
                }

                return 0;
            }

            if (SandboxPath(from) is var (fromSandbox, fromPath) && SandboxPath(to) is null)
            {
                using var request = client.Request(HttpMethod.Get, $"/v1/sandboxes/{Uri.EscapeDataString(fromSandbox)}/files?path={Uri.EscapeDataString(fromPath)}{userQuery}", ApiCredential.ApiKey);
                using var response = await client.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                var progress = new ProgressBar("download", response.Content.Headers.ContentLength, json || to == "-");
                await using var body = new ProgressStream(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), progress);
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

    private static JsonObject? Pairs(string[]? pairs, string option)
    {
        if (pairs is not { Length: > 0 })
        {
            return null;
        }

        var result = new JsonObject();
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new WrennApiException(0, "bad_request", $"{option} '{pair}' must be key=value");
            }

            result[pair[..equals]] = pair[(equals + 1)..];
        }

        return result;
    }

    private static JsonObject WithoutNulls(JsonObject body)
    {
        foreach (var key in body.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            body.Remove(key);
        }

        return body;
    }
}
