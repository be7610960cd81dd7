using System.CommandLine;
using Wrenn.Cli.Api;
using Wrenn.Cli.Config;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn login`: a 24-hour session for account commands, kept in the client config beside the API URL and key.</summary>
public static class LoginCommand
{
    public static Command Create()
    {
        var api = new ApiOptions();
        var email = new Option<string>("--email") { Description = "Your account's email", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from stdin (else it is asked for, without echo)" };
        var command = new Command("login", "Log in; account commands (apikey, host) then work without more flags") { email, passwordStdin };
        api.AddTo(command);
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.None, async (client, json) =>
        {
            var password = parse.GetValue(passwordStdin) || Console.IsInputRedirected ? (await Console.In.ReadLineAsync(ct).ConfigureAwait(false))?.TrimEnd('\r') : ReadHidden("password: ");
            var session = await client.LoginAsync(parse.GetValue(email)!, password ?? string.Empty, ct).ConfigureAwait(false);
            var path = ClientConfig.DefaultPath();
            var existing = await ClientConfig.ReadAsync(path, ct).ConfigureAwait(false);
            var url = client.Settings.ApiUrl.ToString().TrimEnd('/');
            var updated = (existing ?? new ClientConfig(url, client.Settings.ApiKey ?? string.Empty)) with { ApiUrl = url, SessionToken = session.Token };
            await updated.WriteAsync(path, ct).ConfigureAwait(false);
            Console.Error.WriteLine($"logged in as {session.Email}; session kept in {path} until {session.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}");
            return 0;
        }));
        return command;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
