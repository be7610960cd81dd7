using Wrenn.Common.Configuration;

namespace Wrenn.Common.Tests.Configuration;

/// <summary>
/// .env files against the real file system: a root daemon reads its working directory's file only
/// when nobody else could have written it, and an explicit --env-file always.
/// </summary>
public sealed class DotEnvLoaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wrenn-dotenv-test-");
    private readonly string _variable = "WRENN_TEST_DOTENV_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        _dir.Delete(recursive: true);
    }

    [Fact]
    public void A_world_writable_env_file_is_refused_and_says_why()
    {
        var path = WriteEnv(".env", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        var messages = new StringWriter();

        var load = DotEnvLoader.Load(["serve"], _dir.FullName, messages, "wrenn-test");

        Assert.Null(load.LoadedPath);
        Assert.False(load.Failed);
        Assert.Null(Environment.GetEnvironmentVariable(_variable));
        Assert.Contains($"not loading {path}", messages.ToString(), StringComparison.Ordinal);
        Assert.Contains("group or others may write it (mode 0666)", messages.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_owned_by_someone_else_is_refused()
    {
        Assert.SkipUnless(Environment.UserName == "root", "only root can give a file away");
        var path = WriteEnv(".env", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(_dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Chown(path, 65534);
        var messages = new StringWriter();

        var load = DotEnvLoader.Load([], _dir.FullName, messages, "wrenn-test");

        Assert.Null(load.LoadedPath);
        Assert.Null(Environment.GetEnvironmentVariable(_variable));
        Assert.Contains("owned by uid 65534", messages.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_0600_env_file_of_ours_is_loaded()
    {
        var path = WriteEnv(".env", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var messages = new StringWriter();

        var load = DotEnvLoader.Load(["serve"], _dir.FullName, messages, "wrenn-test");

        Assert.Equal(path, load.LoadedPath);
        Assert.Equal(["serve"], load.RemainingArgs);
        Assert.Equal("from-file", Environment.GetEnvironmentVariable(_variable));
        Assert.Empty(messages.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_explicit_env_file_is_loaded_and_taken_out_of_the_arguments(bool joined)
    {
        // Mode 0644 and elsewhere than the working directory: the operator named it.
        var path = WriteEnv("custom.env", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var elsewhere = _dir.CreateSubdirectory("cwd").FullName;
        string[] args = joined ? ["--listen", ":1", $"--env-file={path}"] : ["--env-file", path, "--listen", ":1"];

        var load = DotEnvLoader.Load(args, elsewhere, new StringWriter(), "wrenn-test");

        Assert.Equal(path, load.LoadedPath);
        Assert.Equal(["--listen", ":1"], load.RemainingArgs);
        Assert.Equal("from-file", Environment.GetEnvironmentVariable(_variable));
    }

    [Fact]
    public void A_missing_explicit_env_file_stops_the_program()
    {
        var messages = new StringWriter();

        var load = DotEnvLoader.Load(["--env-file", Path.Combine(_dir.FullName, "absent.env")], _dir.FullName, messages, "wrenn-test");

        Assert.True(load.Failed);
        Assert.Contains("cannot read --env-file", messages.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_after_a_double_dash_are_left_alone()
    {
        var load = DotEnvLoader.Load(["exec", "sb-1", "--", "tool", "--env-file", "x"], _dir.FullName, new StringWriter(), "wrenn-test");

        Assert.Null(load.LoadedPath);
        Assert.Equal(["exec", "sb-1", "--", "tool", "--env-file", "x"], load.RemainingArgs);
    }

    [Fact]
    public void Variables_already_set_win_over_the_file()
    {
        WriteEnv(".env", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Environment.SetEnvironmentVariable(_variable, "from-environment");

        DotEnvLoader.Load([], _dir.FullName, new StringWriter(), "wrenn-test");

        Assert.Equal("from-environment", Environment.GetEnvironmentVariable(_variable));
    }

    private string WriteEnv(string name, UnixFileMode mode)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, $"{_variable}=from-file\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static void Chown(string path, int uid)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [uid.ToString(System.Globalization.CultureInfo.InvariantCulture), path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }
}
