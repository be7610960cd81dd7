using System.Net;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// Any local user (or a process that got out of a sandbox as its host uid) reading the platform's state:
/// the database (signing keys, agent secrets), bundles (tenants' environment), disks, logs, templates.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ReadableSecretsTests(PlatformFixture fixture)
{
    /// <summary>
    /// What other users may do under $WRENN_DIR, relative to it: pass through (search, no listing) the
    /// directories down to the sandboxes, which runc, as sandbox root, must traverse to reach a bundle.
    /// docs/operations.md lists the same.
    /// </summary>
    private static readonly HashSet<string> MayBeSearched = [".", "sandboxes"];

    /// <summary>
    /// The agent's lxcfs mount: files computed per reader from the reader's own cgroups (its meminfo,
    /// cpuinfo), which sandbox users must read through their bind mounts. Nothing of anyone else's is in it.
    /// </summary>
    private static readonly HashSet<string> PublicByDesign = ["lxcfs"];

    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task After_create_exec_pause_resume_and_a_template_nothing_under_the_state_directory_is_open_to_other_users()
    {
        var template = "secrets-" + Guid.NewGuid().ToString("N")[..8];
        var id = await Api.CreateSandboxAsync(new { env = new Dictionary<string, string> { ["TENANT_SECRET"] = "s3cret" } });
        string? child = null;
        try
        {
            await Api.ExecAsync(id, "echo data > /home/user/file && echo done");
            await Api.PostAsync($"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK);
            await Api.PostAsync($"/v1/sandboxes/{id}/resume", new { }, HttpStatusCode.OK);
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = id, name = template }, HttpStatusCode.Created);
            child = await Api.CreateSandboxAsync(new { template });
            await Api.ExecAsync(child, "cat /home/user/file");

            var open = OpenToOthers(fixture.Platform.WrennDir);
            Assert.True(open.Count == 0, "open to other users:\n" + string.Join('\n', open));
            // The check sees what matters: the database, a bundle and the logs are there, closed.
            foreach (var secret in new[] { "wrenn.db", Path.Combine("sandboxes", id, "config.json"), Path.Combine("logs", "agent.log") })
            {
                var mode = File.GetUnixFileMode(Path.Combine(fixture.Platform.WrennDir, secret));
                Assert.True((mode & (UnixFileMode)0x3F) == 0, $"{secret} is {mode}");
            }
        }
        finally
        {
            if (child is not null)
            {
                await Api.DeleteSandboxQuietlyAsync(child);
            }

            await Api.DeleteSandboxQuietlyAsync(id);
            using var _ = await fixture.Platform.Http.DeleteAsync(new Uri($"/v1/snapshots/{template}", UriKind.Relative), CancellationToken.None);
        }
    }

    /// <summary>
    /// Every entry a user who is neither owner nor in the group can read, write or list, or pass through
    /// beyond the allowed directories, walking only where such a user can go and following no links.
    /// </summary>
    private static List<string> OpenToOthers(string wrennDir)
    {
        var open = new List<string>();
        var pending = new Stack<string>([wrennDir]);
        while (pending.TryPop(out var path))
        {
            var relative = Path.GetRelativePath(wrennDir, path);
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || PublicByDesign.Contains(relative))
            {
                continue;
            }

            var mode = File.GetUnixFileMode(path);
            var directory = Directory.Exists(path);
            if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                open.Add($"{relative} ({mode})");
            }

            if (directory && mode.HasFlag(UnixFileMode.OtherExecute))
            {
                if (!MayBeSearched.Contains(relative))
                {
                    open.Add($"{relative} (searchable: {mode})");
                }

                foreach (var child in Directory.EnumerateFileSystemEntries(path))
                {
                    pending.Push(child);
                }
            }
        }

        return open;
    }
}
