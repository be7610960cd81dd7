using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// The filter crun compiled for one container is read from its state directory once and handed to later runs; only
/// crun's, only a well-formed program, and only to runs of the same crun executable.
/// </summary>
public sealed class CompiledSeccompFilterTests : IDisposable
{
    private static readonly OciInvocation Crun = new("crun", "/proc/1234/fd/200");

    private readonly string _state = Directory.CreateTempSubdirectory("wrenn-crun-state-").FullName;

    [Fact]
    public void Cruns_compiled_program_is_learned_from_the_first_container_and_given_to_later_runs()
    {
        var program = Program(254);
        Write("wrenn-sb-1", program);
        var filter = new CompiledSeccompFilter(NullLogger.Instance);
        Assert.Null(filter.For(Crun));

        filter.Learn(Crun, _state, "wrenn-sb-1");

        Assert.Equal(Convert.ToBase64String(program), filter.For(Crun));
        // Another file later changes nothing: it was learned once.
        Write("wrenn-sb-2", Program(3));
        filter.Learn(Crun, _state, "wrenn-sb-2");
        Assert.Equal(Convert.ToBase64String(program), filter.For(Crun));
    }

    [Fact]
    public void A_new_crun_executable_after_an_upgrade_compiles_once_more()
    {
        Write("wrenn-sb-1", Program(10));
        var filter = new CompiledSeccompFilter(NullLogger.Instance);
        filter.Learn(Crun, _state, "wrenn-sb-1");

        var upgraded = Crun with { Executable = "/proc/1234/fd/201" };
        Assert.Null(filter.For(upgraded));
        Write("wrenn-sb-2", Program(12));
        filter.Learn(upgraded, _state, "wrenn-sb-2");
        Assert.Equal(Convert.ToBase64String(Program(12)), filter.For(upgraded));
    }

    [Fact]
    public void Runc_takes_no_annotation_and_is_never_read()
    {
        Write("wrenn-sb-1", Program(10));
        var filter = new CompiledSeccompFilter(NullLogger.Instance);
        var runc = new OciInvocation("runc", "/usr/sbin/runc");

        filter.Learn(runc, _state, "wrenn-sb-1");

        Assert.Null(filter.For(runc));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    [InlineData((4096 * 8) + 8)]
    public void What_is_no_bpf_program_is_not_passed_on_and_not_read_again(int length)
    {
        Write("wrenn-sb-1", new byte[length]);
        var filter = new CompiledSeccompFilter(NullLogger.Instance);

        filter.Learn(Crun, _state, "wrenn-sb-1");
        Assert.Null(filter.For(Crun));

        // Tried once for this executable: a good file later is not read either (every run compiles, as before).
        Write("wrenn-sb-2", Program(10));
        filter.Learn(Crun, _state, "wrenn-sb-2");
        Assert.Null(filter.For(Crun));
    }

    [Fact]
    public void A_missing_file_leaves_runs_compiling()
    {
        var filter = new CompiledSeccompFilter(NullLogger.Instance);

        filter.Learn(Crun, _state, "wrenn-sb-gone");

        Assert.Null(filter.For(Crun));
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static byte[] Program(int instructions) => [.. Enumerable.Range(0, instructions * 8).Select(i => (byte)(i * 7))];

    private void Write(string containerId, byte[] bytes)
    {
        Directory.CreateDirectory(Path.Combine(_state, containerId));
        File.WriteAllBytes(Path.Combine(_state, containerId, "seccomp.bpf"), bytes);
    }
}
