namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Reads pages of a registered region on a thread of its own — never the page server's, whose faults
/// would wait for themselves — the way a vCPU would touch guest memory.
/// </summary>
internal static class FaultingReader
{
    /// <summary>Copies each page in <paramref name="order"/> out of the region into the same place in <paramref name="into"/>.</summary>
    public static Task Start(nint region, int pageSize, IReadOnlyList<long> order, byte[] into)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                unsafe
                {
                    fixed (byte* destination = into)
                    {
                        foreach (var page in order)
                        {
                            TestLibC.Memcpy(destination + (page * pageSize), region + (nint)(page * pageSize), (nuint)pageSize);
                        }
                    }
                }

                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "faulting reader",
        };
        thread.Start();
        return done.Task;
    }
}
