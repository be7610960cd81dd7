using Grpc.Core;
using Wrenn.Agent.Rpc;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Tests.Sandboxes;

/// <summary>
/// An upload bigger than the room left on the host is cut off, and the cut reaches the control plane as
/// the host's full disk (RESOURCE_EXHAUSTED, which it answers 507), however the HTTP client to envd wraps it.
/// </summary>
public sealed class HostSpaceBoundStreamTests
{
    [Fact]
    public async Task Bytes_within_the_budget_pass_unchanged()
    {
        var bytes = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        using var copy = new MemoryStream();
        await new HostSpaceBoundStream(new MemoryStream(bytes), budget: 100).CopyToAsync(copy, TestContext.Current.CancellationToken);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Bytes_past_the_budget_cut_the_upload_off_as_a_full_host_disk()
    {
        using var copy = new MemoryStream();
        var cut = await Assert.ThrowsAsync<HostDiskFullException>(() => new HostSpaceBoundStream(new MemoryStream(new byte[100]), budget: 99).CopyToAsync(copy, 10, TestContext.Current.CancellationToken));

        // As HttpClient hands it back when the request's content fails.
        var wrapped = new HttpRequestException("Error while copying content to a stream.", cut);
        Assert.True(DiskFull.Caused(wrapped));
        Assert.Equal(StatusCode.ResourceExhausted, ExceptionStatusInterceptor.StatusFor(wrapped));
    }
}
