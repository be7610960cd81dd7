using System.Net;

namespace Wrenn.E2E.Tests;

/// <summary>Templates (/v1/snapshots) from real sandboxes, and sandboxes started from them.</summary>
[Collection(PlatformCollection.Name)]
public sealed class TemplatesTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task A_template_keeps_the_files_of_its_sandbox_including_deletions_and_new_sandboxes_start_from_it()
    {
        var source = await Api.CreateSandboxAsync(new { vcpus = 2, memory_mb = 256 });
        var children = new List<string>();
        try
        {
            // Files added, a base-image file deleted: both must carry over (the deletion is an overlay whiteout).
            await Api.ExecAsync(source, "mkdir -p /home/user/app && echo warmed > /home/user/app/state && sudo rm /etc/issue.net");
            var made = await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "e2e-warm" }, HttpStatusCode.Created);
            Assert.Equal("e2e-warm", made.GetProperty("name").GetString());
            Assert.Equal("minimal", made.GetProperty("base_template").GetString());
            Assert.Equal(2, made.GetProperty("vcpus").GetInt32());
            Assert.Equal(256, made.GetProperty("memory_mb").GetInt32());
            Assert.False(made.GetProperty("keeps_memory").GetBoolean());
            Assert.True(made.GetProperty("size_bytes").GetInt64() > 0);

            // The source keeps running, unchanged.
            Assert.Equal("running", (await Api.GetAsync($"/v1/sandboxes/{source}", HttpStatusCode.OK)).GetProperty("state").GetString());
            Assert.Equal("warmed\n", await Api.ExecAsync(source, "cat /home/user/app/state"));

            foreach (var _ in Enumerable.Range(0, 2))
            {
                var child = await Api.CreateSandboxAsync(new { template = "e2e-warm" });
                children.Add(child);
                var info = await Api.GetAsync($"/v1/sandboxes/{child}", HttpStatusCode.OK);
                Assert.Equal("e2e-warm", info.GetProperty("template").GetString());
                Assert.Equal(2, info.GetProperty("vcpus").GetInt32());
                Assert.Equal(256, info.GetProperty("memory_mb").GetInt32());
                Assert.Equal("warmed\n", await Api.ExecAsync(child, "cat /home/user/app/state"));
                Assert.Equal("gone\n", await Api.ExecAsync(child, "test -e /etc/issue.net || echo gone"));
            }

            // Writes in one child stay there.
            await Api.ExecAsync(children[0], "echo mine > /home/user/app/state");
            Assert.Equal("warmed\n", await Api.ExecAsync(children[1], "cat /home/user/app/state"));

            // A template of a sandbox that came from a template stacks on it.
            var grandchild = await Api.PostAsync("/v1/snapshots", new { sandbox_id = children[0], name = "e2e-warm-2" }, HttpStatusCode.Created);
            Assert.Equal("e2e-warm", grandchild.GetProperty("base_template").GetString());
            var third = await Api.CreateSandboxAsync(new { template = "e2e-warm-2" });
            children.Add(third);
            Assert.Equal("mine\n", await Api.ExecAsync(third, "cat /home/user/app/state"));

            var listed = await Api.GetAsync("/v1/snapshots", HttpStatusCode.OK);
            var names = listed.GetProperty("snapshots").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
            Assert.Equal(["e2e-warm", "e2e-warm-2"], names);

            // In use: by sandboxes, and by the template built on it.
            await Api.DeleteAsync("/v1/snapshots/e2e-warm", HttpStatusCode.Conflict);
            await Api.DeleteAsync($"/v1/sandboxes/{third}", HttpStatusCode.NoContent);
            await Api.DeleteAsync("/v1/snapshots/e2e-warm-2", HttpStatusCode.NoContent);
            foreach (var child in children)
            {
                await Api.DeleteSandboxQuietlyAsync(child);
            }

            await Api.DeleteAsync("/v1/snapshots/e2e-warm", HttpStatusCode.NoContent);
            await Api.DeleteAsync("/v1/snapshots/e2e-warm", HttpStatusCode.NotFound);
            await Api.PostAsync("/v1/sandboxes", new { template = "e2e-warm" }, HttpStatusCode.NotFound);
            Assert.Empty((await Api.GetAsync("/v1/snapshots", HttpStatusCode.OK)).GetProperty("snapshots").EnumerateArray());
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.Platform.Root, "wrenn-dir", "templates")));
        }
        finally
        {
            foreach (var child in children)
            {
                await Api.DeleteSandboxQuietlyAsync(child);
            }

            await Api.DeleteSandboxQuietlyAsync(source);
        }
    }

    [Fact]
    public async Task Bad_template_requests_are_refused_before_any_work_and_leave_nothing()
    {
        var source = await Api.CreateSandboxAsync(new { });
        try
        {
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "../etc" }, HttpStatusCode.BadRequest);
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "Upper" }, HttpStatusCode.BadRequest);
            await Api.PostAsync("/v1/snapshots", new { name = "fine" }, HttpStatusCode.BadRequest);
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = "sb-0000000000000000", name = "fine" }, HttpStatusCode.NotFound);
            // A base image's name is taken.
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "minimal" }, HttpStatusCode.Conflict);

            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "e2e-fixed" }, HttpStatusCode.Created);
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "e2e-fixed" }, HttpStatusCode.Conflict);
            var misfit = await Api.PostAsync("/v1/sandboxes", new { template = "e2e-fixed", vcpus = 4 }, HttpStatusCode.BadRequest);
            Assert.Contains("fixes vcpus at 1", misfit.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            await Api.PostAsync("/v1/sandboxes", new { template = "e2e-fixed", memory_mb = 1024 }, HttpStatusCode.BadRequest);

            // A paused sandbox can be a template too, and stays paused.
            await Api.PostAsync($"/v1/sandboxes/{source}/pause", null, HttpStatusCode.OK);
            await Api.PostAsync("/v1/snapshots", new { sandbox_id = source, name = "e2e-from-paused" }, HttpStatusCode.Created);
            Assert.Equal("paused", (await Api.GetAsync($"/v1/sandboxes/{source}", HttpStatusCode.OK)).GetProperty("state").GetString());

            await Api.DeleteAsync("/v1/snapshots/e2e-fixed", HttpStatusCode.NoContent);
            await Api.DeleteAsync("/v1/snapshots/e2e-from-paused", HttpStatusCode.NoContent);
            await Api.DeleteAsync("/v1/snapshots/..", HttpStatusCode.NotFound);
        }
        finally
        {
            await Api.DeleteSandboxQuietlyAsync(source);
        }
    }
}
