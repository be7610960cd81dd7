using System.CommandLine;
using System.Text.Json.Nodes;
using Wrenn.Cli.Api;
using Wrenn.Cli.Output;
using Wrenn.Sdk;

namespace Wrenn.Cli.Commands;

/// <summary>
/// The list/create/remove commands over the API's simpler collections: `wrenn template`, `wrenn apikey`
/// and `wrenn host`. Each is the same three or four SDK calls with a table for lists and --json for scripts.
/// </summary>
public static class ResourceCommands
{
    public static Command Template()
    {
        var api = new ApiOptions();
        var command = new Command("template", "Make sandboxes into templates, list and remove them");
        api.AddTo(command);

        var sandbox = new Argument<string>("sandbox") { Description = "The running or paused sandbox to make the template of" };
        var name = new Argument<string>("name") { Description = "The template's name (a-z 0-9 . _ -)" };
        var create = new Command("create", "Make a template of a sandbox (it stays as it was)") { sandbox, name };
        create.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            TemplateInfo made;
            await using (Spinner.Start("making template", json))
            {
                made = await client.CreateTemplateAsync(parse.GetValue(sandbox)!, parse.GetValue(name)!, ct).ConfigureAwait(false);
            }

            Print(JsonOutput.Node(made, ApiJsonContext.Default.TemplateInfo), json, "name");
            return 0;
        }));
        command.Subcommands.Add(create);
        command.Subcommands.Add(List(
            api,
            ApiCredential.ApiKey,
            async (client, ct) => JsonOutput.List("snapshots", await client.ListTemplatesAsync(ct).ConfigureAwait(false), ApiJsonContext.Default.IReadOnlyListTemplateInfo),
            "snapshots",
            ["NAME", "BASE", "VCPUS", "MEMORY_MB", "SIZE_BYTES", "CREATED"],
            ["name", "base_template", "vcpus", "memory_mb", "size_bytes", "created_at"]));
        command.Subcommands.Add(Remove(api, "name", "Remove a template no sandbox uses", ApiCredential.ApiKey, (client, name, ct) => client.DeleteTemplateAsync(name, ct)));
        return command;
    }

    public static Command ApiKey()
    {
        var api = new ApiOptions();
        var command = new Command("apikey", "API keys of your team (needs 'wrenn login')");
        api.AddTo(command);
        var name = new Argument<string>("name") { Description = "What the key is for" };
        var create = new Command("create", "Create an API key; it is printed this once") { name };
        create.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.Session, async (client, json) =>
        {
            var made = await client.ApiKeys.CreateAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            Print(JsonOutput.Node(made, ApiJsonContext.Default.ApiKeyInfo), json, "key");
            return 0;
        }));
        command.Subcommands.Add(create);
        command.Subcommands.Add(List(
            api,
            ApiCredential.Session,
            async (client, ct) => JsonOutput.List("api_keys", await client.ApiKeys.ListAsync(ct).ConfigureAwait(false), ApiJsonContext.Default.IReadOnlyListApiKeyInfo),
            "api_keys",
            ["ID", "NAME", "PREFIX", "CREATED", "LAST_USED"],
            ["id", "name", "prefix", "created_at", "last_used_at"]));
        command.Subcommands.Add(Remove(api, "id", "Revoke an API key", ApiCredential.Session, (client, id, ct) => client.ApiKeys.DeleteAsync(id, ct)));
        return command;
    }

    public static Command Host()
    {
        var api = new ApiOptions();
        var command = new Command("host", "Hosts that run sandboxes (administrators; needs 'wrenn login')");
        api.AddTo(command);
        var add = new Command("add", "Add a host: prints the one-hour registration token for 'wrenn-agent --register'");
        add.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.Session, async (client, json) =>
        {
            Print(JsonOutput.Node(await client.Hosts.CreateAsync(ct).ConfigureAwait(false), ApiJsonContext.Default.HostRegistration), json, "registration_token");
            return 0;
        }));
        var hostId = new Argument<string>("id") { Description = "Host id" };
        var token = new Command("token", "A new registration token for a host") { hostId };
        token.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.Session, async (client, json) =>
        {
            Print(JsonOutput.Node(await client.Hosts.NewTokenAsync(parse.GetValue(hostId)!, ct).ConfigureAwait(false), ApiJsonContext.Default.HostRegistration), json, "registration_token");
            return 0;
        }));
        command.Subcommands.Add(add);
        command.Subcommands.Add(token);
        command.Subcommands.Add(List(
            api,
            ApiCredential.Session,
            async (client, ct) => JsonOutput.List("hosts", await client.Hosts.ListAsync(ct).ConfigureAwait(false), ApiJsonContext.Default.IReadOnlyListHostInfo),
            "hosts",
            ["ID", "STATE", "ADDRESS", "RUNTIME", "CPUS", "MEMORY_MB", "SANDBOXES", "LAST_SEEN"],
            ["id", "state", "address", "runtime", "cpus", "memory_mb", "running_sandboxes", "last_seen_at"]));
        command.Subcommands.Add(HostDrainCommand.Create(api));
        command.Subcommands.Add(Drain(api, "get", "One host; while it drains, how many sandboxes are left on it and which could not be moved", (client, id, ct) => client.Hosts.GetAsync(id, ct)));
        command.Subcommands.Add(Drain(api, "undrain", "Let a drained host take new sandboxes again (what is still on it stays)", (client, id, ct) => client.Hosts.UndrainAsync(id, ct)));
        command.Subcommands.Add(Remove(api, "id", "Remove a host without sandboxes or templates", ApiCredential.Session, (client, id, ct) => client.Hosts.DeleteAsync(id, ct)));
        return command;
    }

    /// <summary>`host get ID` / `host undrain ID`: the host as it is (afterwards), one field a line (or --json).</summary>
    private static Command Drain(ApiOptions api, string name, string description, Func<WrennClient, string, CancellationToken, Task<HostInfo>> call)
    {
        var hostId = new Argument<string>("id") { Description = "Host id" };
        var command = new Command(name, description) { hostId };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.Session, async (client, json) =>
        {
            var host = JsonOutput.Node(await call(client, parse.GetValue(hostId)!, ct).ConfigureAwait(false), ApiJsonContext.Default.HostInfo);
            if (json)
            {
                JsonOutput.Write(host);
            }
            else
            {
                JsonOutput.WriteFields(host);
            }

            return 0;
        }));
        return command;
    }

    private static Command List(ApiOptions api, ApiCredential credential, Func<WrennClient, CancellationToken, Task<JsonObject>> list, string property, string[] header, string[] fields)
    {
        var command = new Command("ls", "List them");
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, credential, async (client, json) =>
        {
            var answer = await list(client, ct).ConfigureAwait(false);
            if (json)
            {
                JsonOutput.Write(answer);
                return 0;
            }

            Table.Write(Console.Out, header, (answer[property]?.AsArray() ?? []).Select(item => (IReadOnlyList<string>)[.. fields.Select(f => JsonOutput.Text(item, f))]));
            return 0;
        }));
        return command;
    }

    private static Command Remove(ApiOptions api, string what, string description, ApiCredential credential, Func<WrennClient, string, CancellationToken, Task> remove)
    {
        var key = new Argument<string>(what);
        var command = new Command("rm", description) { key };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, credential, async (client, _) =>
        {
            await remove(client, parse.GetValue(key)!, ct).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static void Print(JsonNode? answer, bool json, string mainField)
    {
        if (json)
        {
            JsonOutput.Write(answer);
        }
        else
        {
            Console.WriteLine(JsonOutput.Text(answer, mainField));
        }
    }
}
