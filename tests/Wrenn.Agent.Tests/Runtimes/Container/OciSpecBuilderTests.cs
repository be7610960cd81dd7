using System.Net;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Tests.Runtimes.Container;

public sealed class OciSpecBuilderTests
{
    private static readonly RuntimeSandbox Sandbox = new(
        "sb-0123456789abcdef",
        "/var/lib/wrenn/sandboxes/sb-0123456789abcdef",
        "/var/lib/wrenn/sandboxes/sb-0123456789abcdef/rootfs",
        new RuntimeNetwork("/var/run/netns/wrenn-3", IPAddress.Parse("10.12.0.7"), IPAddress.Parse("10.12.0.6"), 31, []),
        Vcpus: 2,
        MemoryMb: 512,
        new Dictionary<string, string> { ["FOO"] = "bar" });

    [Fact]
    public void Joins_the_prepared_network_namespace_and_isolates_the_rest()
    {
        var spec = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions());
        var namespaces = spec["linux"]!["namespaces"]!.AsArray();
        var types = namespaces.Select(n => n!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(["pid", "network", "ipc", "uts", "mount", "cgroup"], types);
        Assert.Equal("/var/run/netns/wrenn-3", namespaces[1]!["path"]!.GetValue<string>());
    }

    [Fact]
    public void A_user_namespace_maps_sandbox_root_to_the_unprivileged_host_id_and_binds_sys_instead_of_mounting_it()
    {
        var spec = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions(), userNamespace: new IdMapping(100_000, 65_536));
        var linux = spec["linux"]!;
        Assert.Contains("user", linux["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()));
        foreach (var map in new[] { "uidMappings", "gidMappings" })
        {
            var entry = Assert.Single(linux[map]!.AsArray())!;
            Assert.Equal((0L, 100_000L, 65_536L), (entry["containerID"]!.GetValue<long>(), entry["hostID"]!.GetValue<long>(), entry["size"]!.GetValue<long>()));
        }

        var sys = spec["mounts"]!.AsArray().Single(m => m!["destination"]!.GetValue<string>() == "/sys")!;
        Assert.Equal("/sys", sys["source"]!.GetValue<string>());
        Assert.Contains("rbind", sys["options"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Contains("ro", sys["options"]!.AsArray().Select(o => o!.GetValue<string>()));

        var plain = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions());
        Assert.Null(plain["linux"]!["uidMappings"]);
        Assert.Equal("sysfs", plain["mounts"]!.AsArray().Single(m => m!["destination"]!.GetValue<string>() == "/sys")!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Turns_vcpus_and_memory_into_cgroup_limits()
    {
        var resources = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions())["linux"]!["resources"]!;
        Assert.Equal(512L * 1024 * 1024, resources["memory"]!["limit"]!.GetValue<long>());
        Assert.Equal(200_000L, resources["cpu"]!["quota"]!.GetValue<long>());
        Assert.Equal(100_000L, resources["cpu"]!["period"]!.GetValue<long>());
        Assert.Equal(4096L, resources["pids"]!["limit"]!.GetValue<long>());
    }

    [Fact]
    public void Starts_wrenn_init_with_the_sandbox_environment()
    {
        var process = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions())["process"]!;
        // No shell between runc and tini: tini runs envd directly.
        Assert.Equal(["/usr/bin/tini", "--", "/usr/local/bin/envd"], process["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        var env = process["env"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.Contains("FOO=bar", env);
        Assert.Contains("WRENN_SANDBOX_ID=sb-0123456789abcdef", env);
    }

    [Fact]
    public void Passes_envd_its_startup_token_last_so_no_tenant_variable_replaces_it()
    {
        var sandbox = Sandbox with { Environment = new Dictionary<string, string> { ["WRENN_ENVD_ACCESS_TOKEN"] = "tenant's" }, EnvdAccessToken = "agent's" };
        var env = OciSpecBuilder.Build(sandbox, new ContainerRuntimeOptions())["process"]!["env"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.Equal("WRENN_ENVD_ACCESS_TOKEN=agent's", env.Last(e => e.StartsWith("WRENN_ENVD_ACCESS_TOKEN=", StringComparison.Ordinal)));
        Assert.DoesNotContain(OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions())["process"]!["env"]!.AsArray(), e => e!.GetValue<string>().StartsWith("WRENN_ENVD_ACCESS_TOKEN=", StringComparison.Ordinal));
    }

    [Fact]
    public void Drops_dangerous_capabilities_and_masks_kernel_interfaces()
    {
        var spec = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions());
        var bounding = spec["process"]!["capabilities"]!["bounding"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.DoesNotContain("CAP_SYS_ADMIN", bounding);
        Assert.DoesNotContain("CAP_NET_ADMIN", bounding);
        Assert.DoesNotContain("CAP_SYS_MODULE", bounding);
        var masked = spec["linux"]!["maskedPaths"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Contains("/proc/kcore", masked);
        var readOnly = spec["linux"]!["readonlyPaths"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Contains("/proc/sys", readOnly);
    }

    [Fact]
    public void Filters_system_calls_denying_namespaces_mounts_and_kernel_surfaces_with_eperm()
    {
        var seccomp = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions())["linux"]!["seccomp"]!;
        Assert.Equal("SCMP_ACT_ALLOW", seccomp["defaultAction"]!.GetValue<string>());
        var rules = seccomp["syscalls"]!.AsArray();
        var denied = rules[0]!["names"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "unshare", "setns", "mount", "bpf", "init_module", "kexec_load", "keyctl", "io_uring_setup", "userfaultfd", "clock_settime" }, denied);
        Assert.Equal(1, rules[0]!["errnoRet"]!.GetValue<int>());
        // clone is refused only with CLONE_NEWUSER; clone3 says ENOSYS so libc falls back to clone.
        var clone = rules.Single(r => r!["names"]![0]!.GetValue<string>() == "clone")!;
        Assert.Equal(0x10000000L, clone["args"]![0]!["value"]!.GetValue<long>());
        Assert.Equal("SCMP_CMP_MASKED_EQ", clone["args"]![0]!["op"]!.GetValue<string>());
        Assert.Equal(38, rules.Single(r => r!["names"]![0]!.GetValue<string>() == "clone3")!["errnoRet"]!.GetValue<int>());
    }

    [Fact]
    public void A_compiled_filter_goes_to_crun_in_its_annotation_and_the_section_stays()
    {
        var spec = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions(), compiledSeccomp: "AAAA");
        Assert.Equal("AAAA", spec["annotations"]!["run.oci.seccomp_bpf_data"]!.GetValue<string>());
        Assert.Equal("SCMP_ACT_ALLOW", spec["linux"]!["seccomp"]!["defaultAction"]!.GetValue<string>());

        Assert.Null(OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions())["annotations"]);
    }

    [Fact]
    public void The_views_lxcfs_files_and_the_files_written_for_it_are_bound_read_only_after_proc_and_sys()
    {
        var view = new Wrenn.Agent.Runtimes.ProcView.SandboxView(
            [new("/lxcfs/proc/meminfo", "/proc/meminfo")],
            "1",
            [new("view-cpu-online", "/sys/devices/system/cpu/online", "0\n")]);
        var spec = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions(), view: view);
        var mounts = spec["mounts"]!.AsArray().Select(m => m!).ToList();
        var destinations = mounts.Select(m => m["destination"]!.GetValue<string>()).ToList();
        Assert.True(destinations.IndexOf("/sys/devices/system/cpu/online") > destinations.IndexOf("/sys"));

        var online = mounts.Single(m => m["destination"]!.GetValue<string>() == "/sys/devices/system/cpu/online");
        Assert.Equal("/var/lib/wrenn/sandboxes/sb-0123456789abcdef/view-cpu-online", online["source"]!.GetValue<string>());
        Assert.Equal(["bind", "ro", "nosuid", "nodev", "noexec"], online["options"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal("/lxcfs/proc/meminfo", mounts.Single(m => m["destination"]!.GetValue<string>() == "/proc/meminfo")["source"]!.GetValue<string>());
        Assert.Equal("1", spec["linux"]!["resources"]!["cpu"]!["cpus"]!.GetValue<string>());
    }

    [Fact]
    public void Puts_the_cgroup_under_the_wrenn_parent()
    {
        var spec = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions());
        Assert.Equal("/wrenn/sb-0123456789abcdef", spec["linux"]!["cgroupsPath"]!.GetValue<string>());
    }

    [Fact]
    public void Open_files_limit_never_exceeds_the_agents_own_hard_limit()
    {
        var limits = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions { OpenFilesLimit = 65_536 }, openFilesCeiling: 20_000)["process"]!["rlimits"]![0]!;
        Assert.Equal(20_000L, limits["hard"]!.GetValue<long>());
        Assert.Equal(20_000L, limits["soft"]!.GetValue<long>());
        var uncapped = OciSpecBuilder.Build(Sandbox, new ContainerRuntimeOptions { OpenFilesLimit = 4096 }, openFilesCeiling: 20_000)["process"]!["rlimits"]![0]!;
        Assert.Equal(4096L, uncapped["hard"]!.GetValue<long>());
    }
}
