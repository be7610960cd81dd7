using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>Which OCI runtime WRENN_OCI_RUNTIME picks, and which one a container made earlier is asked about.</summary>
public sealed class OciRuntimeChoiceTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-oci-choice-test-").FullName;

    [Fact]
    public void A_named_runtime_is_used_as_named()
    {
        Assert.Equal("runc", OciRuntimeChoice.Resolve("runc", _ => "/usr/bin/crun", CgroupRoot(v2: true)).Command);
        Assert.Equal("/opt/crun", OciRuntimeChoice.Resolve("/opt/crun", _ => null, CgroupRoot(v2: true)).Command);
    }

    [Fact]
    public void Auto_is_crun_where_it_is_installed_and_cgroups_are_v2()
    {
        Assert.Equal("crun", OciRuntimeChoice.Resolve("auto", _ => "/usr/bin/crun", CgroupRoot(v2: true)).Command);
    }

    [Fact]
    public void Auto_is_runc_where_crun_is_not_installed()
    {
        var (command, reason) = OciRuntimeChoice.Resolve("auto", _ => null, CgroupRoot(v2: true));
        Assert.Equal("runc", command);
        Assert.Contains("not installed", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_is_runc_on_hybrid_cgroups_with_a_controller_on_the_v2_side_which_crun_refuses()
    {
        var (command, reason) = OciRuntimeChoice.Resolve("auto", _ => "/usr/bin/crun", CgroupRoot(v2: false, unifiedControllers: "hugetlb\n"));
        Assert.Equal("runc", command);
        Assert.Contains("hugetlb", reason, StringComparison.Ordinal);

        // With nothing on the v2 side crun runs on v1 alone.
        Assert.Equal("crun", OciRuntimeChoice.Resolve("auto", _ => "/usr/bin/crun", CgroupRoot(v2: false, unifiedControllers: string.Empty, name: "empty")).Command);
    }

    [Fact]
    public void A_container_made_under_the_other_runtime_is_asked_about_through_that_one()
    {
        var runc = Directory.CreateDirectory(Path.Combine(_base, "runc")).FullName;
        var crun = Directory.CreateDirectory(Path.Combine(_base, "crun")).FullName;
        Directory.CreateDirectory(Path.Combine(runc, "wrenn-old"));
        Directory.CreateDirectory(Path.Combine(crun, "wrenn-new"));

        Assert.Equal("runc", OciRuntimeChoice.OwnerOf("wrenn-old", "crun", runc, crun));
        Assert.Equal("crun", OciRuntimeChoice.OwnerOf("wrenn-new", "crun", runc, crun));
        Assert.Equal("crun", OciRuntimeChoice.OwnerOf("wrenn-new", "runc", runc, crun));
        Assert.Equal("runc", OciRuntimeChoice.OwnerOf("wrenn-old", "runc", runc, crun));

        // Neither has it (already gone): the chosen one answers that it is missing.
        Assert.Equal("crun", OciRuntimeChoice.OwnerOf("wrenn-gone", "crun", runc, crun));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private string CgroupRoot(bool v2, string? unifiedControllers = null, string name = "cgroup")
    {
        var root = Directory.CreateDirectory(Path.Combine(_base, name)).FullName;
        if (v2)
        {
            File.WriteAllText(Path.Combine(root, "cgroup.controllers"), "cpu memory pids\n");
        }
        else if (unifiedControllers is not null)
        {
            var unified = Directory.CreateDirectory(Path.Combine(root, "unified")).FullName;
            File.WriteAllText(Path.Combine(unified, "cgroup.controllers"), unifiedControllers);
        }

        return root;
    }
}
