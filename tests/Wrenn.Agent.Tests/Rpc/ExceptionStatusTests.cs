using Grpc.Core;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Rpc;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Tests.Rpc;

public sealed class ExceptionStatusTests
{
    public static TheoryData<Exception, StatusCode> Cases => new()
    {
        { new ArgumentException("bad"), StatusCode.InvalidArgument },
        { new SandboxNotFoundException("sb-0123456789abcdef"), StatusCode.NotFound },
        { new ImageNotFoundException("nope", "/x"), StatusCode.NotFound },
        { new SandboxConflictException("busy"), StatusCode.FailedPrecondition },
        { new ExecTimeoutException(TimeSpan.FromSeconds(1)), StatusCode.DeadlineExceeded },
        { new NoFreeSlotException(2), StatusCode.ResourceExhausted },
        { new TooManyCallsException(SandboxCallLimiter.TeamScope, 64), StatusCode.ResourceExhausted },
        { new ExecOutputTooLargeException(10), StatusCode.OutOfRange },
        { new EnvdResponseTooLargeException("ListDir", 10), StatusCode.OutOfRange },
        { new EnvdCallException("invalid_argument", "no such user"), StatusCode.InvalidArgument },
        { new EnvdCallException("internal", "boom"), StatusCode.Unavailable },

        // envd refused the connection, or cut its answer (a stream of events) half-way.
        { new HttpRequestException("Connection refused"), StatusCode.Unavailable },
        { new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."), StatusCode.Unavailable },
        { new IOException("disk"), StatusCode.Internal },

        // A sandbox moving to this host (ImportSandbox), as the proto promises the control plane.
        { new Wrenn.Agent.Transfers.SandboxChecksumMismatchException("sb-0123456789abcdef", "aa", "bb"), StatusCode.DataLoss },
        { new Wrenn.Agent.Transfers.SandboxExistsException("sb-0123456789abcdef"), StatusCode.AlreadyExists },
        { new Wrenn.Agent.Transfers.SandboxImportRefusedException("sb-0123456789abcdef", "another runtime"), StatusCode.FailedPrecondition },

        // A full host disk: ENOSPC from a file the agent wrote, or a tool that said so.
        { new IOException("write failed", 28), StatusCode.ResourceExhausted },
        { new Wrenn.Agent.Operations.RollbackFailedException("create", new Wrenn.Agent.Os.CommandFailedException("mkfs.ext4 disk.ext4", new Wrenn.Agent.Os.CommandResult(1, string.Empty, "mkfs.ext4: No space left on device while writing out and closing file system")), []), StatusCode.ResourceExhausted },

        // envd's ENOSPC is the sandbox's own disk (its cap), not the host's.
        { new EnvdCallException("internal", "write /home/user/x: no space left on device"), StatusCode.Unavailable },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Maps_what_the_manager_throws_to_the_status_the_control_plane_expects(Exception exception, StatusCode expected) =>
        Assert.Equal(expected, ExceptionStatusInterceptor.StatusFor(exception));

    [Fact]
    public void A_missing_image_is_reported_without_the_host_directory_it_was_looked_for_in()
    {
        var missing = new ImageNotFoundException("python", "/var/lib/wrenn/templates/python");
        Assert.Equal(StatusCode.NotFound, ExceptionStatusInterceptor.StatusFor(missing));
        Assert.DoesNotContain("/var/lib/wrenn", missing.Message, StringComparison.Ordinal);
        Assert.Contains("python", missing.Message, StringComparison.Ordinal);
    }
}
