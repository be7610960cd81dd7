using Wrenn.Cli.Images;

namespace Wrenn.Cli.Tests.Images;

public sealed class DebianMirrorTests
{
    [Fact]
    public void Finds_the_archive_in_a_deb822_file_and_skips_security_and_third_party_stanzas()
    {
        const string sources = """
            Types: deb
            # a comment
            URIs: http://archive.example/debian
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://security.example/debian-security
            Suites: bookworm-security
            Components: main
            """;
        Assert.Equal("http://archive.example/debian", DebianMirror.FromDeb822(sources, "bookworm"));
        Assert.Null(DebianMirror.FromDeb822(sources, "trixie"));
    }

    [Fact]
    public void Finds_the_archive_in_one_line_format_with_options()
    {
        const string sources = """
            deb [arch=amd64] http://vendor.example/apt cloud-sdk-bookworm main
            # deb http://old.example/debian bookworm main
            deb [signed-by=/k.gpg] http://archive.example/debian bookworm main contrib
            """;
        Assert.Equal("http://archive.example/debian", DebianMirror.FromOneLine(sources, "bookworm"));
    }

    [Fact]
    public void Reads_the_hosts_apt_configuration_directory()
    {
        var root = Directory.CreateTempSubdirectory("wrenn-apt-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "sources.list.d"));
            File.WriteAllText(Path.Combine(root.FullName, "sources.list.d", "debian.sources"), "Types: deb\nURIs: http://archive.example/debian\nSuites: bookworm\nComponents: main\n");
            Assert.Equal("http://archive.example/debian", DebianMirror.Find("bookworm", root.FullName));
            Assert.Throws<InvalidOperationException>(() => DebianMirror.Find("trixie", root.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
