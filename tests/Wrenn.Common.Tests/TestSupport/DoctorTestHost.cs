using Wrenn.Common.Doctor;

namespace Wrenn.Common.Tests.TestSupport;

/// <summary>Settings for the fake host, and one check's result on it.</summary>
public static class DoctorTestHost
{
    public static DoctorSettings Settings(string runtime = "container", string? oci = null, string userns = "auto", string lxcfs = "auto", string? databaseUrl = null, string requested = "container") =>
        new("/var/lib/wrenn", requested, runtime, oci, userns, lxcfs,
        [
            new("control plane", "WRENN_CP_LISTEN_ADDR", ":8000"),
            new("host agent", "WRENN_HOST_LISTEN_ADDR", "127.0.0.1:50051"),
        ],
        databaseUrl);

    public static async Task<HostCheckResult> RunAsync(IHostCheck check, FakeHostProbe probe, DoctorSettings? settings = null) =>
        await check.RunAsync(settings ?? Settings(), probe, TestContext.Current.CancellationToken);
}
