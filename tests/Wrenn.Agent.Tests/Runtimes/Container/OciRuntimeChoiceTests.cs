using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>Which OCI runtime WRENN_OCI_RUNTIME picks, and which one a container made earlier is asked about.</summary>
public sealed class OciRuntimeChoiceTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-oci-choice-test-").FullName;

    [Fact]
    public void A_named_runtime_is_used_as_named()
    {
        Assert.Equal(new OciInvocation("runc"), Resolve("runc", CgroupRoot(v2: true)).Oci);
        Assert.Equal(new OciInvocation("/opt/crun"), Resolve("/opt/crun", CgroupRoot(v2: true), installed: []).Oci);
    }

    [Fact]
    public void Auto_is_crun_where_it_is_installed_and_cgroups_are_v2()
    {
        Assert.Equal(new OciInvocation("crun"), Resolve("auto", CgroupRoot(v2: true)).Oci);
    }

    [Fact]
    public void Auto_is_runc_where_crun_is_not_installed()
    {
        var (oci, reason) = Resolve("auto", CgroupRoot(v2: true), installed: ["unshare"]);
        Assert.Equal(new OciInvocation("runc"), oci);
        Assert.Contains("not installed", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void On_hybrid_cgroups_with_a_controller_on_the_v2_side_crun_runs_in_a_view_without_the_unified_hierarchy()
    {
        var root = CgroupRoot(v2: false, unifiedControllers: "hugetlb\n");
        var (oci, reason) = Resolve("auto", root);
        Assert.Equal(new OciInvocation("crun", "/usr/bin/unshare", Path.Combine(root, "unified")), oci);
        Assert.True(oci.LegacyCgroupView);
        Assert.Contains("hugetlb", reason, StringComparison.Ordinal);

        // WRENN_OCI_RUNTIME=crun, by name or path, the same.
        Assert.True(Resolve("crun", root).Oci.LegacyCgroupView);
        Assert.Equal(new OciInvocation("/opt/crun", "/usr/bin/unshare", Path.Combine(root, "unified")), Resolve("/opt/crun", root).Oci);

        // With nothing on the v2 side crun runs on v1 alone, directly.
        Assert.Equal(new OciInvocation("crun"), Resolve("auto", CgroupRoot(v2: false, unifiedControllers: string.Empty, name: "empty")).Oci);
    }

    [Fact]
    public void Auto_is_runc_on_hybrid_cgroups_where_the_view_cannot_be_made()
    {
        var root = CgroupRoot(v2: false, unifiedControllers: "hugetlb\n");

        var (withoutUnshare, reason) = Resolve("auto", root, installed: ["crun"]);
        Assert.Equal(new OciInvocation("runc"), withoutUnshare);
        Assert.Contains("unshare is not installed", reason, StringComparison.Ordinal);

        var (refused, why) = Resolve("auto", root, viewWorks: false);
        Assert.Equal(new OciInvocation("runc"), refused);
        Assert.Contains("could not be made", why, StringComparison.Ordinal);

        // Named, crun stays (and the log says it will not start containers).
        Assert.Equal(new OciInvocation("crun"), Resolve("crun", root, viewWorks: false).Oci);
    }

    [Fact]
    public void The_view_runs_the_runtime_in_a_private_mount_namespace_without_the_unified_hierarchy()
    {
        var view = new OciInvocation("crun", "/usr/bin/unshare", "/sys/fs/cgroup/unified");
        var (program, arguments) = view.Command(["state", "wrenn-a"]);
        Assert.Equal("/usr/bin/unshare", program);
        Assert.Equal(["--mount", "--propagation", "private", "--", "/bin/sh", "-c", "umount -l \"$1\" && shift && exec \"$@\"", "oci", "/sys/fs/cgroup/unified", "crun", "state", "wrenn-a"], arguments);

        // The run is started in the view without these programs (LegacyCgroupViewSpawn), never through them.
        Assert.Throws<InvalidOperationException>(() => view.UnderUmask022(["run", "wrenn-a"]));

        // Directly: the runtime itself, or a shell for the umask.
        var (direct, directArguments) = new OciInvocation("runc").Command(["state", "wrenn-a"]);
        Assert.Equal("runc", direct);
        Assert.Equal(["state", "wrenn-a"], directArguments);
        Assert.Equal("/bin/sh", new OciInvocation("runc").UnderUmask022(["run"]).Program);
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

    /// <summary>Resolves with <paramref name="installed"/> (default crun and unshare) on PATH, in /usr/bin.</summary>
    private static (OciInvocation Oci, string Reason) Resolve(string configured, string cgroupRoot, string[]? installed = null, bool viewWorks = true) =>
        OciRuntimeChoice.Resolve(
            configured,
            command => (installed ?? ["crun", "unshare"]).Contains(command) ? "/usr/bin/" + command : null,
            _ => viewWorks,
            cgroupRoot);

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
