using System.Runtime.InteropServices;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Anonymous memory of this process standing in for Firecracker's guest memory. Unmapped on dispose
/// only if no reader may still be inside it: unmapping under a thread blocked in a fault would crash
/// the test host, so a test that gave up on a reader leaks the mapping instead.
/// </summary>
internal sealed class MappedRegion : IDisposable
{
    public MappedRegion(long length)
    {
        Length = length;
        Address = TestLibC.Mmap(0, (nuint)length, TestLibC.PROT_READ | TestLibC.PROT_WRITE, TestLibC.MAP_PRIVATE | TestLibC.MAP_ANONYMOUS, -1, 0);
        if (Address == -1)
        {
            throw new IOException($"mmap: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    public nint Address { get; }

    public long Length { get; }

    /// <summary>Set when a reader may still be blocked in the region.</summary>
    public bool Abandoned { get; set; }

    public void Dispose()
    {
        if (!Abandoned)
        {
            TestLibC.Munmap(Address, (nuint)Length);
        }
    }
}
