using Wrenn.Common.Doctor;
using Wrenn.Common.Doctor.Checks;

namespace Wrenn.Common.Tests.Doctor;

/// <summary>Each host check on a described host: what it reports missing, and the fix it names.</summary>
public sealed class HostChecksTests
{
    [Fact]
    public async Task A_healthy_host_for_containers_has_nothing_missing()
    {
        var report = await new HostDoctor(HostChecks.All(), new FakeHostProbe()).RunAsync(DoctorTestHost.Settings(), TestContext.Current.CancellationToken);

        Assert.True(report.IsHealthy, string.Join("\n", report.Missing));
        Assert.Equal(HostChecks.All().Count, report.Results.Count);
        Assert.Equal(CheckStatus.Skipped, report.Results.Single(r => r.Check == "qemu").Status);
    }

    [Fact]
    public async Task Without_runc_the_fix_is_the_debian_package()
    {
        var probe = new FakeHostProbe();
        probe.Programs.Remove("runc");

        var result = await DoctorTestHost.RunAsync(new OciRuntimeCheck(), probe);

        Assert.Equal(CheckStatus.Missing, result.Status);
        Assert.Equal("apt-get install runc", result.Fix);
    }

    [Fact]
    public async Task A_chosen_crun_that_is_missing_names_crun_and_crun_is_reported_when_present()
    {
        var probe = new FakeHostProbe();
        var missing = await DoctorTestHost.RunAsync(new OciRuntimeCheck(), probe, DoctorTestHost.Settings(oci: "crun"));
        Assert.Equal(CheckStatus.Missing, missing.Status);
        Assert.Equal("apt-get install crun", missing.Fix);

        Assert.Equal(CheckStatus.Skipped, (await DoctorTestHost.RunAsync(new CrunCheck(), probe)).Status);
        probe.Programs["crun"] = "/usr/bin/crun";
        var present = await DoctorTestHost.RunAsync(new CrunCheck(), probe);
        Assert.Equal(CheckStatus.Ok, present.Status);
        Assert.Contains("/usr/bin/crun", present.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oci_runtime_auto_is_crun_when_installed_else_runc()
    {
        var probe = new FakeHostProbe();
        var settings = DoctorTestHost.Settings(oci: "auto");
        Assert.Contains("runc at /usr/sbin/runc", (await DoctorTestHost.RunAsync(new OciRuntimeCheck(), probe, settings)).Detail, StringComparison.Ordinal);

        probe.Programs["crun"] = "/usr/bin/crun";
        Assert.Contains("crun at /usr/bin/crun", (await DoctorTestHost.RunAsync(new OciRuntimeCheck(), probe, settings)).Detail, StringComparison.Ordinal);

        // Unset is auto, the agent's default.
        Assert.Contains("crun at /usr/bin/crun", (await DoctorTestHost.RunAsync(new OciRuntimeCheck(), probe)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qemu_is_required_only_when_the_qemu_runtime_is_chosen_and_names_its_packages()
    {
        var probe = new FakeHostProbe();
        Assert.Equal(CheckStatus.Skipped, (await DoctorTestHost.RunAsync(new QemuCheck(), probe)).Status);

        probe.Programs["qemu-system-x86_64"] = "/usr/bin/qemu-system-x86_64";
        var result = await DoctorTestHost.RunAsync(new QemuCheck(), probe, DoctorTestHost.Settings(runtime: "qemu", requested: "qemu"));

        Assert.Equal(CheckStatus.Missing, result.Status);
        Assert.Equal("the qemu runtime needs qemu-img, which is not installed", result.Detail);
        Assert.StartsWith("apt-get install qemu-utils", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qemu_check_looks_for_the_configured_qemu_binary_not_the_default_one()
    {
        var probe = new FakeHostProbe();
        probe.Programs["qemu-system-x86_64"] = "/usr/bin/qemu-system-x86_64";
        probe.Programs["qemu-img"] = "/usr/bin/qemu-img";
        var settings = DoctorTestHost.Settings(runtime: "qemu", requested: "qemu") with { QemuBinary = "/opt/qemu/bin/qemu-system-x86_64" };

        var missing = await DoctorTestHost.RunAsync(new QemuCheck(), probe, settings);
        Assert.Equal(CheckStatus.Missing, missing.Status);
        Assert.Contains("/opt/qemu/bin/qemu-system-x86_64", missing.Detail, StringComparison.Ordinal);

        probe.Paths.Add("/opt/qemu/bin/qemu-system-x86_64");
        var found = await DoctorTestHost.RunAsync(new QemuCheck(), probe, settings);
        Assert.Equal(CheckStatus.Ok, found.Status);
        Assert.Contains("/opt/qemu/bin/qemu-system-x86_64", found.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_above_the_wrenn_dir_closed_to_others_is_missing_for_containers_in_a_user_namespace()
    {
        var probe = new FakeHostProbe();
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new WrennDirAccessCheck(), probe)).Status);

        probe.Modes["/var/lib"] = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var closed = await DoctorTestHost.RunAsync(new WrennDirAccessCheck(), probe);
        Assert.Equal(CheckStatus.Missing, closed.Status);
        Assert.Contains("/var/lib, above /var/lib/wrenn, is closed to other users", closed.Detail, StringComparison.Ordinal);
        Assert.StartsWith("chmod o+x /var/lib ", closed.Fix, StringComparison.Ordinal);

        // Sandbox root is host root without a user namespace, and VMs have no host-side root filesystem to reach.
        Assert.Equal(CheckStatus.Skipped, (await DoctorTestHost.RunAsync(new WrennDirAccessCheck(), probe, DoctorTestHost.Settings(userns: "off"))).Status);
        Assert.Equal(CheckStatus.Skipped, (await DoctorTestHost.RunAsync(new WrennDirAccessCheck(), probe, DoctorTestHost.Settings(runtime: "qemu", requested: "qemu"))).Status);
    }

    [Fact]
    public async Task The_guest_kernel_is_looked_for_under_the_wrenn_dir_kernels()
    {
        var probe = new FakeHostProbe();
        var settings = DoctorTestHost.Settings(runtime: "qemu", requested: "qemu");
        var missing = await DoctorTestHost.RunAsync(new GuestKernelCheck(), probe, settings);
        Assert.Equal(CheckStatus.Missing, missing.Status);
        Assert.Contains("wrenn image kernel", missing.Fix, StringComparison.Ordinal);

        probe.Directories["/var/lib/wrenn/kernels"] = ["/var/lib/wrenn/kernels/vmlinuz-6.1"];
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new GuestKernelCheck(), probe, settings)).Status);
    }

    [Theory]
    [InlineData("container", CheckStatus.Skipped)]
    [InlineData("qemu", CheckStatus.Warning)]
    [InlineData("firecracker", CheckStatus.Missing)]
    public async Task Without_kvm_only_firecracker_cannot_run(string runtime, CheckStatus expected)
    {
        var result = await DoctorTestHost.RunAsync(new KvmCheck(), new FakeHostProbe(), DoctorTestHost.Settings(runtime: runtime, requested: runtime));
        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public async Task Kvm_that_opens_is_ok()
    {
        var probe = new FakeHostProbe();
        probe.ReadWritable.Add("/dev/kvm");
        probe.Files["/proc/cpuinfo"] = "processor\t: 0\nflags\t\t: fpu vmx sse2\n";
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new KvmCheck(), probe)).Status);
    }

    [Fact]
    public async Task Kvm_that_opens_on_a_cpu_without_vmx_or_svm_is_no_kvm()
    {
        // What a PVM kernel looks like: /dev/kvm opens, the CPU flags have no hardware virtualization.
        var probe = new FakeHostProbe();
        probe.ReadWritable.Add("/dev/kvm");
        probe.Files["/proc/cpuinfo"] = "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n";
        var result = await DoctorTestHost.RunAsync(new KvmCheck(), probe, DoctorTestHost.Settings(runtime: "qemu", requested: "qemu"));
        Assert.Equal(CheckStatus.Warning, result.Status);
        Assert.Contains("no hardware virtualization", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kernel_without_overlayfs_or_veth_is_missing_them()
    {
        var probe = new FakeHostProbe();
        probe.Files["/proc/filesystems"] = "nodev\tsysfs\n";
        probe.Files["/lib/modules/6.1.0-test/modules.builtin"] = "kernel/drivers/net/dummy.ko\n";

        var overlay = await DoctorTestHost.RunAsync(new OverlayfsCheck(), probe);
        var veth = await DoctorTestHost.RunAsync(new VethCheck(), probe);

        Assert.Equal(CheckStatus.Missing, overlay.Status);
        Assert.Contains("modprobe overlay", overlay.Fix, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Missing, veth.Status);
        Assert.Contains("CONFIG_VETH", veth.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Veth_built_in_without_module_lists_is_found_in_kallsyms_else_unknown()
    {
        var probe = new FakeHostProbe();
        probe.Files.Remove("/lib/modules/6.1.0-test/modules.builtin");
        Assert.Equal(CheckStatus.Warning, (await DoctorTestHost.RunAsync(new VethCheck(), probe)).Status);

        probe.Files["/proc/kallsyms"] = "ffffffff8123bcdc t veth_xmit\n";
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new VethCheck(), probe)).Status);
    }

    [Fact]
    public async Task No_user_namespaces_is_missing_with_the_sysctl_and_off_is_a_warning()
    {
        var probe = new FakeHostProbe();
        probe.Files["/proc/sys/user/max_user_namespaces"] = "0\n";
        var missing = await DoctorTestHost.RunAsync(new UserNamespacesCheck(), probe);
        Assert.Equal(CheckStatus.Missing, missing.Status);
        Assert.Contains("user.max_user_namespaces", missing.Fix, StringComparison.Ordinal);

        var off = await DoctorTestHost.RunAsync(new UserNamespacesCheck(), probe, DoctorTestHost.Settings(userns: "off"));
        Assert.Equal(CheckStatus.Warning, off.Status);
    }

    [Fact]
    public async Task Cgroups_without_the_pids_controller_are_missing_it()
    {
        var probe = new FakeHostProbe();
        probe.Files["/proc/cgroups"] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t1\t1\ncpu\t0\t1\t1\nmemory\t0\t1\t1\npids\t0\t1\t0\n";
        probe.Files["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu memory\n";

        var result = await DoctorTestHost.RunAsync(new CgroupsCheck(), probe);

        Assert.Equal(CheckStatus.Missing, result.Status);
        Assert.Contains("pids", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tun_is_needed_by_vms_only()
    {
        var probe = new FakeHostProbe();
        probe.Paths.Remove("/dev/net/tun");
        Assert.Equal(CheckStatus.Skipped, (await DoctorTestHost.RunAsync(new TunCheck(), probe)).Status);
        var vm = await DoctorTestHost.RunAsync(new TunCheck(), probe, DoctorTestHost.Settings(runtime: "qemu", requested: "qemu"));
        Assert.Equal(CheckStatus.Missing, vm.Status);
        Assert.Contains("modprobe tun", vm.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_iptables_and_ip_name_their_packages()
    {
        var probe = new FakeHostProbe();
        probe.Programs.Remove("ip6tables");
        probe.Programs.Remove("ip");

        var firewall = await DoctorTestHost.RunAsync(new FirewallCheck(), probe);
        var iproute = await DoctorTestHost.RunAsync(new IprouteCheck(), probe);

        Assert.Equal(CheckStatus.Missing, firewall.Status);
        Assert.Contains("ip6tables", firewall.Detail, StringComparison.Ordinal);
        Assert.Equal("apt-get install iptables", firewall.Fix);
        Assert.Equal("apt-get install iproute2", iproute.Fix);
    }

    [Fact]
    public async Task Lxcfs_missing_is_a_warning_and_a_configured_path_that_is_no_mount_is_missing()
    {
        var probe = new FakeHostProbe();
        probe.Programs.Remove("lxcfs");
        var absent = await DoctorTestHost.RunAsync(new LxcfsCheck(), probe);
        Assert.Equal(CheckStatus.Warning, absent.Status);
        Assert.Equal("apt-get install lxcfs", absent.Fix);

        var path = await DoctorTestHost.RunAsync(new LxcfsCheck(), probe, DoctorTestHost.Settings(lxcfs: "/srv/lxcfs"));
        Assert.Equal(CheckStatus.Missing, path.Status);
        Assert.Contains("WRENN_LXCFS", path.Fix, StringComparison.Ordinal);

        probe.Paths.Add("/var/lib/lxcfs/proc/meminfo");
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new LxcfsCheck(), probe)).Status);
    }

    [Theory]
    [InlineData(1L << 30, CheckStatus.Missing)]
    [InlineData(5L << 30, CheckStatus.Warning)]
    [InlineData(50L << 30, CheckStatus.Ok)]
    public async Task Disk_space_under_the_wrenn_dir(long free, CheckStatus expected)
    {
        var probe = new FakeHostProbe { FreeBytes = free };
        var result = await DoctorTestHost.RunAsync(new DiskSpaceCheck(), probe);
        Assert.Equal(expected, result.Status);
        Assert.Contains("/var/lib/wrenn", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_held_by_another_program_is_missing_naming_it_and_the_setting()
    {
        var probe = new FakeHostProbe();
        probe.TakenPorts[8000] = new ListeningProcess("nginx", 4242);

        var result = await DoctorTestHost.RunAsync(new PortsCheck(), probe);

        Assert.Equal(CheckStatus.Missing, result.Status);
        Assert.Contains("nginx (pid 4242)", result.Detail, StringComparison.Ordinal);
        Assert.Contains("WRENN_CP_LISTEN_ADDR", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_held_by_our_own_daemon_is_ok()
    {
        var probe = new FakeHostProbe();
        probe.TakenPorts[50051] = new ListeningProcess("wrenn-agent", 77);

        var result = await DoctorTestHost.RunAsync(new PortsCheck(), probe);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("wrenn-agent (pid 77)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_is_probed_at_the_database_url_host_and_port()
    {
        var probe = new FakeHostProbe { PostgresFailure = "Connection refused" };
        var settings = DoctorTestHost.Settings(databaseUrl: "postgres://wrenn:secret@db.internal:6543/wrenn?sslmode=disable");

        var down = await DoctorTestHost.RunAsync(new DatabaseCheck(), probe, settings);

        Assert.Equal(("db.internal", 6543), probe.PostgresProbed);
        Assert.Equal(CheckStatus.Missing, down.Status);
        Assert.Contains("Connection refused", down.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", down.Detail, StringComparison.Ordinal);

        probe.PostgresFailure = null;
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new DatabaseCheck(), probe, DoctorTestHost.Settings(databaseUrl: "Host=pg1,pg2;Username=w;Password=x;Database=w"))).Status);
        Assert.Equal(("pg1", 5432), probe.PostgresProbed);
    }

    [Fact]
    public async Task Without_a_database_url_sqlite_under_the_wrenn_dir_is_ok()
    {
        var result = await DoctorTestHost.RunAsync(new DatabaseCheck(), new FakeHostProbe());
        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("/var/lib/wrenn/wrenn.db", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clock_before_the_build_or_behind_the_database_is_wrong()
    {
        var probe = new FakeHostProbe { UtcNow = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        Assert.Equal(CheckStatus.Missing, (await DoctorTestHost.RunAsync(new ClockCheck(), probe)).Status);

        probe.UtcNow = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
        probe.WriteTimes["/var/lib/wrenn/wrenn.db"] = probe.UtcNow.AddHours(3);
        var behind = await DoctorTestHost.RunAsync(new ClockCheck(), probe);
        Assert.Equal(CheckStatus.Missing, behind.Status);
        Assert.Contains("went back", behind.Detail, StringComparison.Ordinal);

        probe.WriteTimes["/var/lib/wrenn/wrenn.db"] = probe.UtcNow.AddMinutes(-1);
        Assert.Equal(CheckStatus.Ok, (await DoctorTestHost.RunAsync(new ClockCheck(), probe)).Status);
    }

    [Fact]
    public async Task An_unknown_runtime_is_missing_and_auto_says_why_it_chose()
    {
        var bad = await DoctorTestHost.RunAsync(new RuntimeCheck(), new FakeHostProbe(), DoctorTestHost.Settings(runtime: "kata", requested: "kata"));
        Assert.Equal(CheckStatus.Missing, bad.Status);
        Assert.Contains("auto, container, qemu or firecracker", bad.Fix, StringComparison.Ordinal);

        var auto = await DoctorTestHost.RunAsync(new RuntimeCheck(), new FakeHostProbe(), DoctorTestHost.Settings(requested: "auto"));
        Assert.StartsWith("container (WRENN_RUNTIME=auto", auto.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_left_out_is_not_run_and_one_that_throws_is_reported()
    {
        var doctor = new HostDoctor([new GuestKernelCheck(), new ThrowingCheck()], new FakeHostProbe());
        var report = await doctor.RunAsync(DoctorTestHost.Settings(runtime: "qemu"), TestContext.Current.CancellationToken, new HashSet<string> { GuestKernelCheck.CheckName });

        var only = Assert.Single(report.Results);
        Assert.Equal("throws", only.Check);
        Assert.Equal(CheckStatus.Warning, only.Status);
    }

    private sealed class ThrowingCheck : IHostCheck
    {
        public string Name => "throws";

        public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken) =>
            throw new IOException("unreadable");
    }
}
