using Wrenn.Cli.Config;

namespace Wrenn.Cli.Tests.Config;

public sealed class ClientConfigTests
{
    [Fact]
    public async Task Is_written_readable_by_the_owner_only_even_over_a_wider_file()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-config-");
        try
        {
            var path = Path.Combine(dir.FullName, "wrenn", "config.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, "{}", TestContext.Current.CancellationToken);
            File.SetUnixFileMode(path, (UnixFileMode)0x1B6); // 0666

            await new ClientConfig("http://127.0.0.1:8000", "wrn_0123").WriteAsync(path, TestContext.Current.CancellationToken);

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
            Assert.Contains("\"api_url\": \"http://127.0.0.1:8000\"", text, StringComparison.Ordinal);
            Assert.Contains("\"api_key\": \"wrn_0123\"", text, StringComparison.Ordinal);
            Assert.Equal(new ClientConfig("http://127.0.0.1:8000", "wrn_0123"), await ClientConfig.ReadAsync(path, TestContext.Current.CancellationToken));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
