using System.Text;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// Telling an image whose envd takes a passed listening socket from one whose envd binds its own (which would fail
/// to start with the port already held), from envd's binary as the sandbox's root filesystem holds it.
/// </summary>
public sealed partial class EnvdSocketSupportTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-envd-socket-test-").FullName;

    private string Rootfs => Directory.CreateDirectory(Path.Combine(_base, "rootfs")).FullName;

    private string EnvdFile => Path.Combine(Directory.CreateDirectory(Path.Combine(Rootfs, "usr/local/bin")).FullName, "envd");

    [Fact]
    public void An_envd_that_names_LISTEN_FDNAMES_takes_the_socket()
    {
        File.WriteAllBytes(EnvdFile, Binary(1000, "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"));
        Assert.True(new EnvdSocketSupport().Supports(Rootfs));
    }

    [Fact]
    public void An_envd_with_only_aspnet_cores_own_systemd_names_binds_its_own_port()
    {
        File.WriteAllBytes(EnvdFile, Binary(1000, "LISTEN_FDS", "LISTEN_PID"));
        Assert.False(new EnvdSocketSupport().Supports(Rootfs));
    }

    [Fact]
    public void The_stamp_is_found_where_it_straddles_two_reads()
    {
        // Reads are 1 MiB: put the stamp across the first boundary.
        var stamp = Encoding.Unicode.GetBytes("LISTEN_FDNAMES");
        var content = new byte[(2 << 20) + 100];
        stamp.CopyTo(content, (1 << 20) - (stamp.Length / 2));
        File.WriteAllBytes(EnvdFile, content);
        Assert.True(new EnvdSocketSupport().Supports(Rootfs));
    }

    [Fact]
    public void An_image_without_envd_gets_no_socket()
    {
        Directory.CreateDirectory(Rootfs);
        Assert.False(new EnvdSocketSupport().Supports(Rootfs));
    }

    [Fact]
    public void A_link_to_a_host_file_is_read_inside_the_tree_not_on_the_host()
    {
        // A tenant's template may make envd a link; an absolute one names a file of the tree, not the host's.
        var hostFile = Path.Combine(_base, "host-envd");
        File.WriteAllBytes(hostFile, Binary(10, "LISTEN_FDNAMES"));
        File.CreateSymbolicLink(EnvdFile, hostFile);
        Assert.False(new EnvdSocketSupport().Supports(Rootfs));
    }

    [Fact]
    public void A_fifo_where_envd_should_be_is_no_envd_and_does_not_block()
    {
        Assert.Equal(0, Mkfifo(EnvdFile, 0x180));
        Assert.False(new EnvdSocketSupport().Supports(Rootfs));
    }

    [Fact]
    public void An_image_rebuilt_with_another_envd_is_read_again()
    {
        var support = new EnvdSocketSupport();
        File.WriteAllBytes(EnvdFile, Binary(1000, "LISTEN_FDNAMES"));
        Assert.True(support.Supports(Rootfs));

        // As the image builder replaces it: a file of the same size renamed over the old one.
        File.WriteAllBytes(EnvdFile + ".new", Binary(1000, "LISTEN_FDSXXXX"));
        File.Move(EnvdFile + ".new", EnvdFile, overwrite: true);
        Assert.False(support.Supports(Rootfs));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    /// <summary>A file of filler with the names stored as a NativeAOT binary stores string literals (UTF-16).</summary>
    private static byte[] Binary(int filler, params string[] names)
    {
        var bytes = new List<byte>(new byte[filler]);
        foreach (var name in names)
        {
            bytes.AddRange(Encoding.Unicode.GetBytes(name));
            bytes.AddRange(new byte[filler]);
        }

        return [.. bytes];
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int Mkfifo(string path, uint mode);
}
