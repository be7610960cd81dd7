using Microsoft.Data.Sqlite;
using Wrenn.ControlPlane.Web;

namespace Wrenn.ControlPlane.Tests.Web;

/// <summary>Which failures the API answers 507 (the control plane's own disk is full), 503 (the database is away) or 500.</summary>
public sealed class DatabaseFaultsTests
{
    [Fact]
    public void A_write_the_kernel_refused_for_lack_of_space_is_a_full_disk_however_it_is_wrapped()
    {
        var refused = Assert.ThrowsAny<IOException>(() =>
        {
            // /dev/full answers every write with ENOSPC, as a full filesystem does.
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            full.Write(new byte[4096]);
        });

        Assert.Equal(DatabaseFaultKind.Full, DatabaseFaults.Classify(refused));
        Assert.Equal(DatabaseFaultKind.Full, DatabaseFaults.Classify(new InvalidOperationException("saving failed", refused)));
        Assert.Equal(DatabaseFaultKind.Full, DatabaseFaults.Classify(new SqliteException("database or disk is full", 13)));
    }

    [Fact]
    public void A_message_about_someone_elses_full_disk_is_not_the_control_planes()
    {
        // E.g. a host's or a tool's error passed along in a message: the control plane's disk is fine.
        Assert.Equal(DatabaseFaultKind.None, DatabaseFaults.Classify(new IOException("agent: write /var/lib/wrenn/x: No space left on device")));
        Assert.Equal(DatabaseFaultKind.None, DatabaseFaults.Classify(new InvalidOperationException("ENOSPC")));
    }
}
