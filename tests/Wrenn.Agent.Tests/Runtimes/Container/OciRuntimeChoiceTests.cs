using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Tests.TestSupport;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>Which OCI runtime WRENN_OCI_RUNTIME picks, and which one a container made earlier is asked about.</summary>
public sealed class OciRuntimeChoiceTests : IDisposable
{
    private const string Unified = "/sys/fs/cgroup/unified";
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-oci-choice-test-").FullName;

    [Fact]
    public void A_named_runtime_is_used_as_named()
    {
        Assert.Equal(new OciInvocation("runc", "/usr/bin/runc"), Resolve("runc", CgroupRoot(v2: true)).Oci);
        Assert.Equal(new OciInvocation("/opt/crun", "/opt/crun"), Resolve("/opt/crun", CgroupRoot(v2: true), installed: []).Oci);

        // Not on PATH: its start fails with "not found", as the command's would.
        Assert.Equal(new OciInvocation("youki", "youki"), Resolve("youki", CgroupRoot(v2: true)).Oci);
    }

    [Fact]
    public void Auto_is_crun_where_it_is_installed_and_cgroups_are_v2()
    {
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun"), Resolve("auto", CgroupRoot(v2: true)).Oci);
    }

    [Fact]
    public void Auto_is_runc_where_crun_is_not_installed()
    {
        var (oci, reason) = Resolve("auto", CgroupRoot(v2: true), installed: ["runc", "unshare"]);
        Assert.Equal(new OciInvocation("runc", "/usr/bin/runc"), oci);
        Assert.Contains("not installed", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void On_hybrid_cgroups_with_a_controller_on_the_v2_side_crun_runs_in_a_view_without_the_unified_hierarchy()
    {
        var root = CgroupRoot(v2: false, unifiedControllers: "hugetlb\n");
        var (oci, reason) = Resolve("auto", root);
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun", "/usr/bin/unshare", Path.Combine(root, "unified")), oci);
        Assert.True(oci.LegacyCgroupView);
        Assert.Contains("hugetlb", reason, StringComparison.Ordinal);

        // WRENN_OCI_RUNTIME=crun, by name or path, the same.
        Assert.True(Resolve("crun", root).Oci.LegacyCgroupView);
        Assert.Equal(new OciInvocation("/opt/crun", "/opt/crun", "/usr/bin/unshare", Path.Combine(root, "unified")), Resolve("/opt/crun", root).Oci);

        // With nothing on the v2 side crun runs on v1 alone, directly.
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun"), Resolve("auto", CgroupRoot(v2: false, unifiedControllers: string.Empty, name: "empty")).Oci);
    }

    [Fact]
    public void Auto_is_runc_on_hybrid_cgroups_where_the_view_cannot_be_made()
    {
        var root = CgroupRoot(v2: false, unifiedControllers: "hugetlb\n");

        var (withoutUnshare, reason) = Resolve("auto", root, installed: ["crun", "runc"]);
        Assert.Equal(new OciInvocation("runc", "/usr/bin/runc"), withoutUnshare);
        Assert.Contains("unshare is not installed", reason, StringComparison.Ordinal);

        var (refused, why) = Resolve("auto", root, viewWorks: false);
        Assert.Equal(new OciInvocation("runc", "/usr/bin/runc"), refused);
        Assert.Contains("could not be made", why, StringComparison.Ordinal);

        // Named, crun stays (and the log says it will not start containers).
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun"), Resolve("crun", root, viewWorks: false).Oci);
    }

    [Fact]
    public void The_view_runs_the_runtime_in_a_private_mount_namespace_without_the_unified_hierarchy()
    {
        var view = new OciInvocation("crun", "/usr/bin/crun", "/usr/bin/unshare", "/sys/fs/cgroup/unified");
        var (program, arguments) = view.Command(["state", "wrenn-a"]);
        Assert.Equal("/usr/bin/unshare", program);
        Assert.Equal(["--mount", "--propagation", "private", "--", "/bin/sh", "-c", "umount -l \"$1\" && shift && exec \"$@\"", "oci", "/sys/fs/cgroup/unified", "crun", "state", "wrenn-a"], arguments);

        // The run is started in the view without these programs (LegacyCgroupViewSpawn), never through them.
        Assert.Throws<InvalidOperationException>(() => view.UnderUmask022(["run", "wrenn-a"]));

        // Directly: the runtime as configured (the command runner searches PATH), or a shell for the umask that execs
        // the path looked up once.
        var runc = new OciInvocation("runc", "/usr/sbin/runc");
        var (direct, directArguments) = runc.Command(["state", "wrenn-a"]);
        Assert.Equal("runc", direct);
        Assert.Equal(["state", "wrenn-a"], directArguments);
        var (shell, shellArguments) = runc.UnderUmask022(["run"]);
        Assert.Equal("/bin/sh", shell);
        Assert.Equal(["-c", "umask 022; exec \"$@\"", "oci-run", "/usr/sbin/runc", "run"], shellArguments);
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

    [Fact]
    public void A_container_of_the_other_runtime_is_asked_through_it_as_it_was_made()
    {
        var hybrid = CgroupRoot(v2: false, unifiedControllers: "hugetlb\n");
        var v2 = CgroupRoot(v2: true, name: "v2");
        Func<string, string?> all = command => "/usr/bin/" + command;

        // crun chosen: runc's containers are asked through runc, directly.
        Assert.Equal(new OciInvocation("runc", "/usr/bin/runc"), OciRuntimeChoice.OtherRuntime(Resolve("auto", hybrid).Oci, all, hybrid));

        // runc chosen: crun's containers through the view where crun needs one (it was made in it), else directly.
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun", "/usr/bin/unshare", Path.Combine(hybrid, "unified")), OciRuntimeChoice.OtherRuntime(Resolve("runc", hybrid).Oci, all, hybrid));
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun"), OciRuntimeChoice.OtherRuntime(Resolve("runc", v2).Oci, all, v2));
        Assert.Equal(new OciInvocation("crun", "/usr/bin/crun"), OciRuntimeChoice.OtherRuntime(Resolve("runc", hybrid).Oci, command => command == "unshare" ? null : "/usr/bin/" + command, hybrid));
    }

    [Fact]
    public void The_start_up_probe_makes_the_view_as_runs_do_without_the_unshare_program()
    {
        var crun = SkipUnlessHybridRootWithCrun();

        // The run path (LegacyCgroupViewSpawn) needs no unshare program: neither does the probe of it.
        Assert.True(OciRuntimeChoice.ViewWorks(new OciInvocation("crun", crun, "/nonexistent/unshare", Unified)));
    }

    [Fact]
    public void The_start_up_probe_fails_where_the_view_cannot_be_made()
    {
        var crun = SkipUnlessHybridRootWithCrun();
        Assert.False(OciRuntimeChoice.ViewWorks(new OciInvocation("crun", crun, "/usr/bin/unshare", Path.Combine(_base, "not-a-mount"))));
    }

    [Fact]
    public void Crun_runs_from_a_sealed_copy_that_starts_and_other_runtimes_as_they_are()
    {
        var crun = new OciInvocation("crun", "/bin/true");
        var (oci, copy, whyNot) = OciRuntimeChoice.FromSealedCopy(crun, _ => true);
        using (copy)
        {
            Assert.NotNull(copy);
            Assert.Null(whyNot);
            Assert.Equal(crun with { Executable = copy.Path }, oci);
        }

        var runc = new OciInvocation("runc", "/bin/true");
        Assert.Equal((runc, null, null), OciRuntimeChoice.FromSealedCopy(runc, _ => throw new InvalidOperationException("not probed")));
    }

    [Fact]
    public void Crun_runs_from_its_file_when_the_copy_does_not_start_or_cannot_be_made()
    {
        var crun = new OciInvocation("crun", "/bin/true");
        string? probed = null;
        var (oci, copy, whyNot) = OciRuntimeChoice.FromSealedCopy(crun, candidate =>
        {
            probed = candidate.Executable;
            return false;
        });
        Assert.Equal(crun, oci);
        Assert.Null(copy);
        Assert.Contains("did not start", whyNot, StringComparison.Ordinal);
        Assert.StartsWith("/proc/", probed, StringComparison.Ordinal);

        var missing = new OciInvocation("crun", Path.Combine(_base, "crun"));
        var fallback = OciRuntimeChoice.FromSealedCopy(missing, _ => true);
        Assert.Equal(missing, fallback.Oci);
        Assert.Null(fallback.Copy);
        Assert.NotNull(fallback.WhyNot);
    }

    [Fact]
    public void The_sealed_copy_of_crun_starts_the_way_runs_start_it()
    {
        var chosen = HostOci.Chosen;
        Assert.SkipUnless(Path.GetFileName(chosen.Runtime) == "crun", "crun is not the runtime chosen on this host");
        var (oci, copy, whyNot) = OciRuntimeChoice.FromSealedCopy(OciRuntimeChoice.Direct("crun", OciRuntimeChoice.FindOnPath) with { Unshare = chosen.Unshare, UnifiedMount = chosen.UnifiedMount }, OciRuntimeChoice.Starts);
        using (copy)
        {
            Assert.Null(whyNot);
            Assert.NotNull(copy);
            Assert.True(OciRuntimeChoice.Starts(oci));
        }
    }

    /// <summary>Resolves with <paramref name="installed"/> (default crun, runc and unshare) on PATH, in /usr/bin.</summary>
    private static (OciInvocation Oci, string Reason) Resolve(string configured, string cgroupRoot, string[]? installed = null, bool viewWorks = true) =>
        OciRuntimeChoice.Resolve(
            configured,
            command => (installed ?? ["crun", "runc", "unshare"]).Contains(command) ? "/usr/bin/" + command : null,
            _ => viewWorks,
            cgroupRoot);

    public void Dispose() => Directory.Delete(_base, recursive: true);

    /// <summary>crun's path, on a host (as root) where the view hides a cgroup2 mount at <see cref="Unified"/>.</summary>
    private static string SkipUnlessHybridRootWithCrun()
    {
        if (Environment.UserName != "root" || OciRuntimeChoice.CrunRefusesCgroups("/sys/fs/cgroup") is null || OciRuntimeChoice.FindOnPath("crun") is not { } crun)
        {
            Assert.Skip("needs root, crun, and hybrid cgroups with a controller on the v2 side (" + Unified + ")");
            return string.Empty;
        }

        return crun;
    }

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
