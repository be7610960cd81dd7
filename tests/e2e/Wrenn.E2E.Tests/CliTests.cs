using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>The `wrenn` binary itself, run as a pipe against a running platform (it finds it through the config `wrenn up` wrote).</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Sandbox_commands_create_exec_copy_template_and_remove_with_json_and_exit_codes()
    {
        var create = await WrennAsync("sandbox", "create", "--metadata", "suite=cli", "--json");
        Assert.True(create.Code == 0, create.Error);
        var id = JsonDocument.Parse(create.Output).RootElement.GetProperty("id").GetString()!;
        string? child = null;
        var work = Directory.CreateTempSubdirectory("wrenn-cli-").FullName;
        try
        {
            // exec: output streams to our stdout/stderr, and the remote exit code is ours.
            var exec = await WrennAsync("sandbox", "exec", id, "--", "echo out; echo err >&2; exit 3");
            Assert.Equal(3, exec.Code);
            Assert.Equal("out\n", exec.Output);
            Assert.Equal("err\n", exec.Error);
            var args = await WrennAsync("sandbox", "exec", id, "--", "python3", "-c", "print(6*7)");
            Assert.Equal((0, "42\n"), (args.Code, args.Output));

            var listed = await WrennAsync("sandbox", "ls", "--metadata", "suite=cli", "--json");
            Assert.Equal([id], JsonDocument.Parse(listed.Output).RootElement.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
            var table = await WrennAsync("sandbox", "ls");
            Assert.Contains(id, table.Output, StringComparison.Ordinal);
            Assert.StartsWith("ID", table.Output, StringComparison.Ordinal);

            // cp both ways, checked byte for byte.
            var local = Path.Combine(work, "payload.bin");
            await File.WriteAllBytesAsync(local, RandomNumberGenerator.GetBytes(5 * 1024 * 1024), TestContext.Current.CancellationToken);
            Assert.Equal(0, (await WrennAsync("sandbox", "cp", local, $"{id}:/home/user/payload.bin")).Code);
            Assert.Equal(0, (await WrennAsync("sandbox", "cp", $"{id}:/home/user/payload.bin", Path.Combine(work, "back.bin"))).Code);
            Assert.Equal(await File.ReadAllBytesAsync(local, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(Path.Combine(work, "back.bin"), TestContext.Current.CancellationToken));

            // Templates.
            Assert.Equal(0, (await WrennAsync("template", "create", id, "cli-template")).Code);
            Assert.Contains("cli-template", (await WrennAsync("template", "ls")).Output, StringComparison.Ordinal);
            var fromTemplate = await WrennAsync("sandbox", "create", "--template", "cli-template");
            child = fromTemplate.Output.Trim();
            Assert.Equal(0, (await WrennAsync("sandbox", "exec", child, "--", "test -s /home/user/payload.bin")).Code);
            Assert.Equal(0, (await WrennAsync("sandbox", "rm", child)).Code);
            child = null;
            Assert.Equal(0, (await WrennAsync("template", "rm", "cli-template")).Code);

            // Pause and resume say the new state.
            Assert.Contains("paused", (await WrennAsync("sandbox", "pause", id)).Output, StringComparison.Ordinal);
            Assert.Contains("running", (await WrennAsync("sandbox", "resume", id)).Output, StringComparison.Ordinal);
        }
        finally
        {
            if (child is not null)
            {
                await WrennAsync("sandbox", "rm", child);
            }

            Assert.Equal(0, (await WrennAsync("sandbox", "rm", id)).Code);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Errors_exit_1_with_the_servers_message_and_usage_errors_exit_2()
    {
        var missing = await WrennAsync("sandbox", "info", "sb-0000000000000000");
        Assert.Equal(1, missing.Code);
        Assert.Contains("not found", missing.Error, StringComparison.Ordinal);
        Assert.Contains("404", missing.Error, StringComparison.Ordinal);

        var badKey = await WrennAsync("sandbox", "ls", "--api-key", "wrn_00000000000000000000000000000000");
        Assert.Equal(1, badKey.Code);
        Assert.Contains("401", badKey.Error, StringComparison.Ordinal);

        Assert.Equal(2, (await WrennAsync("sandbox", "exec")).Code);
        Assert.Equal(2, (await WrennAsync("sandbox", "frobnicate")).Code);
        Assert.Equal(1, (await WrennAsync("sandbox", "create", "--vcpus", "99")).Code);
    }

    [Fact]
    public async Task Image_ls_lists_the_built_images()
    {
        var wrennDir = Path.GetDirectoryName(TestEnvironment.Images)!;
        var listed = await WrennAsync("image", "ls", "--json", "--wrenn-dir", wrennDir);
        Assert.Equal(0, listed.Code);
        var minimal = JsonDocument.Parse(listed.Output).RootElement.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "minimal");
        Assert.Equal("bookworm", minimal.GetProperty("suite").GetString());
        Assert.Matches("^NAME +SUITE", (await WrennAsync("image", "ls", "--wrenn-dir", wrennDir)).Output);
    }

    [Fact]
    public async Task Shell_is_an_interactive_terminal_and_cp_draws_progress_on_a_terminal()
    {
        var id = (await WrennAsync("sandbox", "create")).Output.Trim();
        var work = Directory.CreateTempSubdirectory("wrenn-cli-pty-").FullName;
        try
        {
            // script(1) runs wrenn on a pseudo-terminal and feeds it what we type, as a person would.
            var shell = await InTerminalAsync(
                $"sandbox shell {id}",
                "echo $((6*7))-ok; tty; stty size\n",
                "exit 7\n");
            Assert.Equal(7, shell.Code);
            Assert.Contains("42-ok", shell.Output, StringComparison.Ordinal);
            Assert.Contains("/dev/pts/", shell.Output, StringComparison.Ordinal);
            Assert.Contains("24 80", shell.Output, StringComparison.Ordinal);

            var local = Path.Combine(work, "payload.bin");
            await File.WriteAllBytesAsync(local, RandomNumberGenerator.GetBytes(8 * 1024 * 1024), TestContext.Current.CancellationToken);
            var copy = await InTerminalAsync($"sandbox cp {local} {id}:/tmp/payload.bin");
            Assert.Equal(0, copy.Code);
            Assert.Contains("upload [##############################] 100% 8.0 MiB", copy.Output, StringComparison.Ordinal);

            // The same copy through a pipe draws nothing.
            var piped = await WrennAsync("sandbox", "cp", local, $"{id}:/tmp/payload2.bin");
            Assert.Equal((0, string.Empty), (piped.Code, piped.Error));
        }
        finally
        {
            await WrennAsync("sandbox", "rm", id);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs `wrenn ARGS` on a pseudo-terminal; each of <paramref name="typed"/> is typed a second after the last.</summary>
    private async Task<(int Code, string Output)> InTerminalAsync(string arguments, params string[] typed)
    {
        var keys = string.Concat(typed.Select(t => $"sleep 1; printf '{t}'; "));
        var line = $"({keys}sleep 1) | script -qec '{TestEnvironment.Wrenn} {arguments}' /dev/null";
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(line);
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(fixture.Platform.Root, "config");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    private Task<(int Code, string Output, string Error)> WrennAsync(params string[] arguments) =>
        WrennInAsync(Path.Combine(fixture.Platform.Root, "config"), null, arguments);

    /// <summary>Runs `wrenn ARGS` with its config under <paramref name="configHome"/> and <paramref name="stdin"/> (if any) on its stdin.</summary>
    internal static async Task<(int Code, string Output, string Error)> WrennInAsync(string configHome, string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(TestEnvironment.Wrenn) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["XDG_CONFIG_HOME"] = configHome;
        start.Environment.Remove("WRENN_API_URL");
        start.Environment.Remove("WRENN_API_KEY");
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }
}
