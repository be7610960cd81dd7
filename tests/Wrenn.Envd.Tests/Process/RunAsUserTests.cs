using System.Diagnostics;
using SystemProcess = System.Diagnostics.Process;
using System.Net;
using System.Net.Http.Headers;

namespace Wrenn.Envd.Tests.Process;

/// <summary>Commands and files act as the requested user, never silently as root. Needs root to create a user.</summary>
public sealed class RunAsUserTests : IAsyncLifetime
{
    private readonly string _user = "wrenn-t" + Guid.NewGuid().ToString("N")[..8];
    private RunningEnvd _envd = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "creating a test user needs root");
        await RunAsync("groupadd", _user + "x");
        await RunAsync("useradd", "--create-home", "--shell", "/bin/sh", "--groups", _user + "x", _user);
        _envd = await RunningEnvd.StartAsync(defaultUser: _user);
    }

    public async ValueTask DisposeAsync()
    {
        if (_envd is not null)
        {
            await _envd.DisposeAsync();
            await RunAsync("userdel", "--remove", _user);
            await RunAsync("groupdel", _user + "x");
        }
    }

    [Fact]
    public async Task Commands_run_as_the_default_user_and_as_the_user_named_in_basic_auth()
    {
        var client = new ConnectTestClient(_envd.Http);
        var asDefault = await client.StartAsync(ConnectTestClient.Command("sh", "-c", "id -un; echo $HOME; pwd"), json: false, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal($"{_user}\n/home/{_user}\n/home/{_user}\n", ConnectTestClient.Stdout(asDefault.Events));

        var asRoot = await client.StartAsync(ConnectTestClient.Command("id", "-un"), json: true, user: "root", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("root\n", ConnectTestClient.Stdout(asRoot.Events));

        var nobodyKnown = await client.StartAsync(ConnectTestClient.Command("id"), json: false, user: "no-such-user", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("unauthenticated", nobodyKnown.ErrorCode);
        Assert.Contains("invalid username", nobodyKnown.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_run_with_the_users_uid_gid_and_supplementary_groups()
    {
        var client = new ConnectTestClient(_envd.Http);
        var result = await client.StartAsync(ConnectTestClient.Command("sh", "-c", "id -u; id -g; id -G; id -nG"), json: false, cancellationToken: TestContext.Current.CancellationToken);

        var expected = await RunAsync("sh", "-c", $"id -u {_user}; id -g {_user}; id -G {_user}; id -nG {_user}");
        Assert.Equal(expected, ConnectTestClient.Stdout(result.Events));
        Assert.Contains(_user + "x", expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_working_directory_the_user_cannot_enter_is_invalid_argument()
    {
        var client = new ConnectTestClient(_envd.Http);
        var request = ConnectTestClient.Command("true");
        request.Process.Cwd = "/root";

        var result = await client.StartAsync(request, json: true, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("invalid_argument", result.ErrorCode);
        Assert.Contains("/root", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Permission denied", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(result.Events);
    }

    [Fact]
    public async Task Uploaded_files_and_new_parent_directories_belong_to_the_user()
    {
        using var content = new StringContent("mine");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _envd.Http.PostAsync(new Uri("/files?path=notes/today.txt", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var file = $"/home/{_user}/notes/today.txt";
        Assert.Equal(_user, await OwnerAsync(file));
        Assert.Equal(_user, await OwnerAsync($"/home/{_user}/notes"));
    }

    [Fact]
    public async Task A_user_cannot_write_or_read_through_envd_what_their_own_permissions_forbid()
    {
        var ct = TestContext.Current.CancellationToken;
        var forbidden = $"/etc/{_user}-forbidden/file.txt";
        using (var content = new StringContent("nope"))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var write = await _envd.Http.PostAsync(new Uri($"/files?path={forbidden}", UriKind.Relative), content, ct);
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
            Assert.Contains("permission denied", await write.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.GetDirectoryName(forbidden)), "nothing may be created on the way to a refused write");
        using (var read = await _envd.Http.GetAsync(new Uri("/files?path=/etc/shadow", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        }

        var remove = await new ConnectUnaryClient(_envd.Http).CallAsync("filesystem.Filesystem/Remove", new Wrenn.Envd.Protocol.Filesystem.RemoveRequest { Path = "/etc/hostname" }, Wrenn.Envd.Protocol.Filesystem.RemoveResponse.Parser);
        Assert.Equal(("permission_denied", true), (remove.ErrorCode, File.Exists("/etc/hostname")));

        // Root, named in the call, may.
        var allowed = $"/etc/{_user}-allowed.txt";
        using (var content = new StringContent("yes"))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var write = await _envd.Http.PostAsync(new Uri($"/files?path={allowed}&username=root", UriKind.Relative), content, ct);
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        }

        File.Delete(allowed);
    }

    [Fact]
    public async Task A_users_symlink_to_a_root_only_file_neither_reads_nor_overwrites_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var secret = Path.Combine(Path.GetTempPath(), "wrenn-secret-" + Guid.NewGuid().ToString("N"));
        var target = Path.Combine(Path.GetTempPath(), "wrenn-target-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(secret, "root only", ct);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(target, "root's", ct);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            // What the user can plant from a shell: links in their home to files they may not open.
            await RunAsync("runuser", "-u", _user, "--", "ln", "-s", secret, $"/home/{_user}/out.txt");
            await RunAsync("runuser", "-u", _user, "--", "ln", "-s", target, $"/home/{_user}/in.txt");

            using (var read = await _envd.Http.GetAsync(new Uri("/files?path=out.txt", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
                Assert.DoesNotContain("root only", await read.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            using (var content = new StringContent("overwritten"))
            {
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var write = await _envd.Http.PostAsync(new Uri("/files?path=in.txt", UriKind.Relative), content, ct);
                Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
            }

            Assert.Equal("root's", await File.ReadAllTextAsync(target, ct));
            Assert.Equal("root", await OwnerAsync(target));

            // Root, named in the call, still reads through the link.
            Assert.Equal("root only", await _envd.Http.GetStringAsync(new Uri($"/files?path=/home/{_user}/out.txt&username=root", UriKind.Relative), ct));
        }
        finally
        {
            File.Delete(secret);
            File.Delete(target);
        }
    }

    [Fact]
    public async Task File_calls_reach_what_the_users_shell_reaches_and_no_more()
    {
        var ct = TestContext.Current.CancellationToken;
        var group = "wrenn-g" + Guid.NewGuid().ToString("N")[..8];
        var hidden = Path.Combine(Path.GetTempPath(), "wrenn-hidden-" + Guid.NewGuid().ToString("N"));
        var shared = Path.Combine(Path.GetTempPath(), "wrenn-shared-" + Guid.NewGuid().ToString("N"));
        await RunAsync("groupadd", group);
        try
        {
            await RunAsync("usermod", "-a", "-G", group, _user);

            // A directory the user may not search: its entries are not the user's to stat, even by full name.
            Directory.CreateDirectory(hidden);
            File.SetUnixFileMode(hidden, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(Path.Combine(hidden, "inside.txt"), "x", ct);
            var unary = new ConnectUnaryClient(_envd.Http);
            var stat = await unary.CallAsync("filesystem.Filesystem/Stat", new Wrenn.Envd.Protocol.Filesystem.StatRequest { Path = Path.Combine(hidden, "inside.txt") }, Wrenn.Envd.Protocol.Filesystem.StatResponse.Parser);
            Assert.Equal("permission_denied", stat.ErrorCode);
            var list = await unary.CallAsync("filesystem.Filesystem/ListDir", new Wrenn.Envd.Protocol.Filesystem.ListDirRequest { Path = hidden }, Wrenn.Envd.Protocol.Filesystem.ListDirResponse.Parser);
            Assert.Equal("permission_denied", list.ErrorCode);

            // A file only a supplementary group of the user may read: the user's shell can, so envd can.
            await File.WriteAllTextAsync(shared, "for the group", ct);
            await RunAsync("chgrp", group, shared);
            File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            Assert.Equal("for the group", await _envd.Http.GetStringAsync(new Uri($"/files?path={shared}", UriKind.Relative), ct));

            // What the user makes is the user's, and root's own calls still work there.
            var made = await unary.CallAsync("filesystem.Filesystem/MakeDir", new Wrenn.Envd.Protocol.Filesystem.MakeDirRequest { Path = "made/deeper" }, Wrenn.Envd.Protocol.Filesystem.MakeDirResponse.Parser);
            Assert.Null(made.ErrorCode);
            Assert.Equal(_user, await OwnerAsync($"/home/{_user}/made"));
            Assert.Equal(_user, await OwnerAsync($"/home/{_user}/made/deeper"));
            var rootStat = await unary.CallAsync("filesystem.Filesystem/Stat", new Wrenn.Envd.Protocol.Filesystem.StatRequest { Path = Path.Combine(hidden, "inside.txt") }, Wrenn.Envd.Protocol.Filesystem.StatResponse.Parser, user: "root");
            Assert.Null(rootStat.ErrorCode);
        }
        finally
        {
            Directory.Delete(hidden, recursive: true);
            File.Delete(shared);
            await RunAsync("gpasswd", "-d", _user, group);
            await RunAsync("groupdel", group);
        }
    }

    private static async Task<string> OwnerAsync(string path) => (await RunAsync("stat", "-c", "%U", path)).Trim();

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = SystemProcess.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error}");
        return output;
    }
}
