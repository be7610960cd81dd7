using System.CommandLine;
using System.Text.Json.Nodes;
using Wrenn.Cli.Api;
using Wrenn.Cli.Output;

namespace Wrenn.Cli.Commands;

/// <summary>
/// The list/create/remove commands over the API's simpler collections: `wrenn template`, `wrenn apikey`
/// and `wrenn host`. Each is the same three or four calls with a table for lists and --json for scripts.
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
        create.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            JsonNode? made;
            await using (Spinner.Start("making template", json))
            {
                made = await client.SendAsync(HttpMethod.Post, "/v1/snapshots", new JsonObject { ["sandbox_id"] = parse.GetValue(sandbox), ["name"] = parse.GetValue(name) }, ApiCredential.ApiKey, ct).ConfigureAwait(false);
            }

            Print(made, json, "name");
            return 0;
        }));
        command.Subcommands.Add(create);
        command.Subcommands.Add(List(api, "/v1/snapshots", "snapshots", ApiCredential.ApiKey, ["NAME", "BASE", "VCPUS", "MEMORY_MB", "SIZE_BYTES", "CREATED"], ["name", "base_template", "vcpus", "memory_mb", "size_bytes", "created_at"]));
        command.Subcommands.Add(Remove(api, "/v1/snapshots/", "name", "Remove a template no sandbox uses", ApiCredential.ApiKey));
        return command;
    }

    public static Command ApiKey()
    {
        var api = new ApiOptions();
        var command = new Command("apikey", "API keys of your team (needs 'wrenn login')");
        api.AddTo(command);
        var name = new Argument<string>("name") { Description = "What the key is for" };
        var create = new Command("create", "Create an API key; it is printed this once") { name };
        create.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var made = await client.SendAsync(HttpMethod.Post, "/v1/api-keys", new JsonObject { ["name"] = parse.GetValue(name) }, ApiCredential.Session, ct).ConfigureAwait(false);
            Print(made, json, "key");
            return 0;
        }));
        command.Subcommands.Add(create);
        command.Subcommands.Add(List(api, "/v1/api-keys", "api_keys", ApiCredential.Session, ["ID", "NAME", "PREFIX", "CREATED", "LAST_USED"], ["id", "name", "prefix", "created_at", "last_used_at"]));
        command.Subcommands.Add(Remove(api, "/v1/api-keys/", "id", "Revoke an API key", ApiCredential.Session));
        return command;
    }

    public static Command Host()
    {
        var api = new ApiOptions();
        var command = new Command("host", "Hosts that run sandboxes (administrators; needs 'wrenn login')");
        api.AddTo(command);
        var add = new Command("add", "Add a host: prints the one-hour registration token for 'wrenn-agent --register'");
        add.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            Print(await client.SendAsync(HttpMethod.Post, "/v1/hosts", null, ApiCredential.Session, ct).ConfigureAwait(false), json, "registration_token");
            return 0;
        }));
        var hostId = new Argument<string>("id") { Description = "Host id" };
        var token = new Command("token", "A new registration token for a host") { hostId };
        token.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            Print(await client.SendAsync(HttpMethod.Post, $"/v1/hosts/{Uri.EscapeDataString(parse.GetValue(hostId)!)}/token", null, ApiCredential.Session, ct).ConfigureAwait(false), json, "registration_token");
            return 0;
        }));
        command.Subcommands.Add(add);
        command.Subcommands.Add(token);
        command.Subcommands.Add(List(api, "/v1/hosts", "hosts", ApiCredential.Session, ["ID", "STATE", "ADDRESS", "RUNTIME", "CPUS", "MEMORY_MB", "SANDBOXES", "LAST_SEEN"], ["id", "state", "address", "runtime", "cpus", "memory_mb", "running_sandboxes", "last_seen_at"]));
        command.Subcommands.Add(Remove(api, "/v1/hosts/", "id", "Remove a host without sandboxes or templates", ApiCredential.Session));
        return command;
    }

    private static Command List(ApiOptions api, string path, string property, ApiCredential credential, string[] header, string[] fields)
    {
        var command = new Command("ls", "List them");
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            var answer = await client.SendAsync(HttpMethod.Get, path, null, credential, ct).ConfigureAwait(false);
            if (json)
            {
                JsonOutput.Write(answer);
                return 0;
            }

            Table.Write(Console.Out, header, (answer?[property]?.AsArray() ?? []).Select(item => (IReadOnlyList<string>)[.. fields.Select(f => JsonOutput.Text(item, f))]));
            return 0;
        }));
        return command;
    }

    private static Command Remove(ApiOptions api, string pathPrefix, string what, string description, ApiCredential credential)
    {
        var key = new Argument<string>(what);
        var command = new Command("rm", description) { key };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, _) =>
        {
            await client.SendAsync(HttpMethod.Delete, pathPrefix + Uri.EscapeDataString(parse.GetValue(key)!), null, credential, ct).ConfigureAwait(false);
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
