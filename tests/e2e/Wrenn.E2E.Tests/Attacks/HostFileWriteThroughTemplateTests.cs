using System.Net;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// Root in a sandbox replaces /etc with a link to a host directory and saves the sandbox as a template;
/// the agent, host root, then prepares a sandbox from that template. Nothing it writes may land outside
/// the new sandbox's own tree.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HostFileWriteThroughTemplateTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task Etc_linked_to_a_host_directory_in_a_template_gets_no_file_written_there_and_the_new_sandbox_its_own()
    {
        // The host directory the link names, with one file in it that must stay the only one, as it is.
        var hostDirectory = Directory.CreateTempSubdirectory("wrenn-attack-etc-").FullName;
        var marker = Path.Combine(hostDirectory, "marker");
        await File.WriteAllTextAsync(marker, "host's own\n", TestContext.Current.CancellationToken);
        var template = "attack-etc-" + Guid.NewGuid().ToString("N")[..8];
        var source = await Api.CreateSandboxAsync(new { });
        string? child = null;
        try
        {
            // The attack as reported (cp -a /etc /etc.real && rm -rf /etc && ln -s <host dir> /etc), with a copy of
            // /etc at the same path inside the sandbox so that the new sandbox stays usable where the link resolves.
            await Api.ExecAsync(source, $"sudo sh -c 'mkdir -p {hostDirectory} && cp -a /etc/. {hostDirectory}/ && cp -a /etc /etc.real && rm -rf /etc && ln -s {hostDirectory} /etc'");
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = template }, HttpStatusCode.Created);

            child = await Api.CreateSandboxAsync(new { template });

            Assert.Equal(["marker"], Directory.EnumerateFileSystemEntries(hostDirectory).Select(e => Path.GetFileName(e)).ToList());
            Assert.Equal("host's own\n", await File.ReadAllTextAsync(marker, TestContext.Current.CancellationToken));
            // The new sandbox got its files where its own /etc leads, inside it.
            Assert.Equal($"{hostDirectory}\n", await Api.ExecAsync(child, "readlink /etc"));
            Assert.Equal($"{child}\n", await Api.ExecAsync(child, "cat /etc/hostname"));
            Assert.Equal($"{child}\n", await Api.ExecAsync(child, "hostname"));
            Assert.Contains($"127.0.1.1\t{child}", await Api.ExecAsync(child, "cat /etc/hosts"), StringComparison.Ordinal);
            Assert.Equal("root root\n", await Api.ExecAsync(child, "stat -c %U /etc/hostname /etc/hosts | tr '\\n' ' ' | sed 's/ $/\\n/'"));
        }
        finally
        {
            if (child is not null)
            {
                await Api.DeleteSandboxQuietlyAsync(child);
            }

            await Api.DeleteSandboxQuietlyAsync(source);
            using var _ = await fixture.Platform.Http.DeleteAsync(new Uri($"/v1/snapshots/{template}", UriKind.Relative), CancellationToken.None);
            Directory.Delete(hostDirectory, recursive: true);
        }
    }
}
