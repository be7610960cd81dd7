using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Wrenn.Bench;

/// <summary>
/// The baseline for create+exec: `runc run` of the same image rootfs (through its own overlay, as
/// Wrenn does) running the same command, without Wrenn's network, envd or API in between.
/// </summary>
public sealed partial class RawRunc(string imageRootfs, string workDirectory)
{
    /// <summary>Overlay, bundle, `runc run` to completion, teardown; returns the command's stdout.</summary>
    public async Task<string> RunAsync(string[] command, CancellationToken cancellationToken)
    {
        var id = "wrenn-bench-" + Guid.NewGuid().ToString("N")[..12];
        var bundle = Directory.CreateDirectory(Path.Combine(workDirectory, id)).FullName;
        var rootfs = Directory.CreateDirectory(Path.Combine(bundle, "rootfs")).FullName;
        var upper = Directory.CreateDirectory(Path.Combine(bundle, "upper")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(bundle, "work")).FullName;
        if (mount("overlay", rootfs, "overlay", 0, $"lowerdir={imageRootfs},upperdir={upper},workdir={work}") != 0)
        {
            throw new IOException($"overlay mount failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            await Run("runc", ["spec", "--bundle", bundle], cancellationToken);
            var configPath = Path.Combine(bundle, "config.json");
            var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, cancellationToken))!;
            config["process"]!["terminal"] = false;
            config["process"]!["args"] = new JsonArray([.. command.Select(c => (JsonNode?)JsonValue.Create(c))]);
            config["root"]!["path"] = rootfs;
            config["root"]!["readonly"] = false;
            await File.WriteAllTextAsync(configPath, config.ToJsonString(), cancellationToken);
            return await Run("runc", ["run", "--bundle", bundle, id], cancellationToken);
        }
        finally
        {
            await Run("runc", ["delete", "--force", id], CancellationToken.None, check: false);
            _ = umount2(rootfs, 0);
            Directory.Delete(bundle, recursive: true);
        }
    }

    private static async Task<string> Run(string program, string[] arguments, CancellationToken cancellationToken, bool check = true)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {await stderr}");
        }

        return await stdout;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string type, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
