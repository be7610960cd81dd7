using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Runtimes.Qemu;

/// <summary>
/// The QEMU runtime end to end on this machine: a real microVM under software emulation (no KVM here)
/// booting Debian's cloud kernel and the minimal image, reached at its sandbox address through the
/// bridged TAP. Needs `wrenn image kernel` (make test runs it).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class QemuRuntimeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_vm_boots_runs_commands_pauses_to_a_memory_file_and_resumes_where_it_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var spec = Spec();
        await using (var agent = QemuAgent())
        {
            var clock = Stopwatch.StartNew();
            await agent.Manager.CreateAsync(spec, ct);
            var boot = clock.Elapsed;
            Assert.Contains("-kernel", QemuCommandLine(agent, spec.SandboxId));

            // A kernel of its own: the guest runs Debian's cloud kernel, whatever the host runs.
            Assert.Contains("cloud-amd64", await ExecAsync(agent, spec.SandboxId, "uname -r"), StringComparison.Ordinal);
            Assert.Equal(spec.SandboxId + "\n", await ExecAsync(agent, spec.SandboxId, "hostname"));
            await AssertVirtioRngFeedsTheGuestAsync(agent, spec.SandboxId);
            // The disk is the sandbox's size (4 GiB by default), larger than the image's file: the guest grew its filesystem.
            var rootMegabytes = long.Parse((await ExecAsync(agent, spec.SandboxId, "df -m / | awk 'NR==2 {print $2}'")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(rootMegabytes, 3500, 4096);
            await ExecAsync(agent, spec.SandboxId, "echo kept > /tmp/file; " + StartCounter);
            await Task.Delay(1500, ct);

            clock.Restart();
            await agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            var pause = clock.Elapsed;
            Assert.False(QemuRunning(spec.SandboxId), "a paused VM holds no process");
            var memory = new FileInfo(Path.Combine(agent.WrennDir, "snapshots", spec.SandboxId, "memory"));
            // Guest RAM is a file QEMU maps shared: it stays where it is, and the pause writes device state only.
            Assert.True(memory.Exists && memory.Length < 1024 * 1024, $"pause writes device state only, not guest RAM ({memory.Length} bytes)");
            var ram = new FileInfo(Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId, "memory.ram"));
            Assert.True(ram.Exists && ram.Length == 256L * 1024 * 1024, "guest RAM stays in the VM's RAM file");
            // Paused to disk, it holds nothing on the host: no process, namespace, TAP, veth, rules, mounts or loop devices.
            Assert.Empty(HostSnapshot.Take().NewSince(before));

            clock.Restart();
            await agent.Manager.ResumeAsync(spec.SandboxId, 0, ct);
            var resume = clock.Elapsed;
            Assert.True(QemuRunning(spec.SandboxId));
            // A restore reads no kernel: the guest's own is in its memory.
            Assert.DoesNotContain("-kernel", QemuCommandLine(agent, spec.SandboxId));
            var first = int.Parse((await ExecAsync(agent, spec.SandboxId, "cat /dev/shm/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(first > 0, "the counter in tmpfs survived: memory was restored, not rebooted");
            await Task.Delay(1000, ct);
            var second = int.Parse((await ExecAsync(agent, spec.SandboxId, "cat /dev/shm/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(second > first, "the counter process runs on after resume");
            Assert.Equal("kept\n", await ExecAsync(agent, spec.SandboxId, "cat /tmp/file"));
            Assert.False(memory.Exists && File.Exists(memory.FullName), "the memory file goes once the VM runs again");

            // The first boot left a snapshot of a fresh guest: the next sandbox of this kind restores it,
            // and gets its own name and envd token.
            var fromBase = Spec();
            clock.Restart();
            await agent.Manager.CreateAsync(fromBase, ct);
            var restore = clock.Elapsed;
            var baseSnapshot = Assert.Single(Directory.GetDirectories(Path.Combine(agent.WrennDir, "snapshots", "base")));
            var restored = agent.Manager.List().Single(s => s.Id == fromBase.SandboxId);
            Assert.Equal(baseSnapshot, restored.Runtime!.MemoryTemplate);
            // Nor a command line: the base snapshot's envd token is not in the host's process list.
            Assert.DoesNotContain(QemuCommandLine(agent, fromBase.SandboxId), a => a is "-kernel" or "-initrd" or "-append" || a.Contains("wrenn.envd_token", StringComparison.Ordinal));
            Assert.NotEqual(agent.Manager.List().Single(s => s.Id == spec.SandboxId).EnvdAccessToken, restored.EnvdAccessToken);
            Assert.Equal(fromBase.SandboxId + "\n", await ExecAsync(agent, fromBase.SandboxId, "hostname"));
            Assert.Contains(fromBase.SandboxId, await ExecAsync(agent, fromBase.SandboxId, "cat /etc/hosts /etc/hostname"), StringComparison.Ordinal);
            Assert.Equal("absent\n", await ExecAsync(agent, fromBase.SandboxId, "test -e /tmp/file && echo present || echo absent"));
            // Restored with the same devices it was saved with: the virtio-rng device is there and in use.
            await AssertVirtioRngFeedsTheGuestAsync(agent, fromBase.SandboxId);
            await agent.Manager.DestroyAsync(fromBase.SandboxId, ct);

            output.WriteLine($"qemu (TCG) boot to envd ready {boot.TotalSeconds:F2} s (incl. taking the base snapshot), create from the base snapshot {restore.TotalSeconds:F2} s, pause {pause.TotalSeconds:F2} s, resume {resume.TotalSeconds:F2} s, state file {memory.Length / 1024.0:F1} KB for a 256 MB guest");
            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
            Assert.False(QemuRunning(spec.SandboxId));
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_failed_pause_continues_the_vm_and_a_failed_resume_leaves_it_paused_and_retryable()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var spec = Spec();
        await using (var agent = QemuAgent())
        {
            await agent.Manager.CreateAsync(spec, ct);
            await ExecAsync(agent, spec.SandboxId, StartCounter);
            var memory = Path.Combine(agent.WrennDir, "snapshots", spec.SandboxId, "memory");

            // Something in the way of the memory file: the pause fails after the vCPUs stopped.
            Directory.CreateDirectory(memory);
            await Assert.ThrowsAnyAsync<Exception>(() => agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct));
            Assert.Equal(SandboxState.Running, agent.Manager.List().Single().State);
            var first = await CounterAsync(agent, spec.SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, spec.SandboxId) > first, "the VM runs again after the failed pause");
            Directory.Delete(memory);

            // A damaged memory file: the resume fails, the VM stays paused with its file, and a retry
            // with the file repaired continues it.
            await agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            var saved = await File.ReadAllBytesAsync(memory, ct);
            await File.WriteAllBytesAsync(memory, saved[..(saved.Length / 3)], ct);
            await Assert.ThrowsAnyAsync<Exception>(() => agent.Manager.ResumeAsync(spec.SandboxId, 0, ct));
            Assert.Equal(SandboxState.Paused, agent.Manager.List().Single().State);
            Assert.False(QemuRunning(spec.SandboxId), "a failed resume leaves no half-started QEMU");
            Assert.True(File.Exists(memory));

            await File.WriteAllBytesAsync(memory, saved, ct);
            await agent.Manager.ResumeAsync(spec.SandboxId, 0, ct);
            first = await CounterAsync(agent, spec.SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, spec.SandboxId) > first, "the retried resume continues the VM");
        }

        Assert.False(Directory.EnumerateDirectories("/proc").Any(d => d.EndsWith(spec.SandboxId, StringComparison.Ordinal)) || QemuRunning(spec.SandboxId));
        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_template_of_a_running_vm_starts_new_sandboxes_that_already_run_its_processes()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var source = Spec();
        var template = WrennIds.NewTemplateId();
        var log = new CapturedLog();
        await using (var agent = QemuAgent(services => services.AddLogging(logging => logging.AddProvider(log))))
        {
            await agent.Manager.CreateAsync(source, ct);
            await ExecAsync(agent, source.SandboxId, "echo warmed > /dev/shm/state; " + StartCounter);
            await Task.Delay(1000, ct);

            var clock = Stopwatch.StartNew();
            var made = await agent.Manager.CreateSnapshotAsync(source.SandboxId, template, "vmtpl", ct);
            var snapshot = clock.Elapsed;
            Assert.True(made.KeepsMemory, "a VM template keeps memory and processes");
            Assert.Equal(SandboxState.Running, agent.Manager.List().Single(s => s.Id == source.SandboxId).State);
            var sourceCounter = await CounterAsync(agent, source.SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, source.SandboxId) > sourceCounter, "the source VM runs on after the template is made");

            // Two sandboxes from it: each restores the template's memory in its own slot, with the same guest address.
            var children = new[] { Spec() with { Template = template }, Spec() with { Template = template } };
            var restores = new List<TimeSpan>();
            foreach (var child in children)
            {
                clock.Restart();
                await agent.Manager.CreateAsync(child, ct);
                restores.Add(clock.Elapsed);
            }

            // The restored envd held the template's token; each child answers to its own alone.
            var sourceToken = agent.Manager.List().Single(s => s.Id == source.SandboxId).EnvdAccessToken!;
            var childSandboxes = children.Select(c => agent.Manager.List().Single(s => s.Id == c.SandboxId)).ToList();
            Assert.Equal(3, childSandboxes.Select(s => s.EnvdAccessToken).Append(sourceToken).Distinct().Count());
            using (var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }))
            {
                foreach (var child in childSandboxes)
                {
                    foreach (var (token, expected) in new[] { (sourceToken, System.Net.HttpStatusCode.Unauthorized), (child.EnvdAccessToken!, System.Net.HttpStatusCode.OK) })
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{child.EnvdAddress}/envs"));
                        request.Headers.Add("X-Access-Token", token);
                        using var response = await http.SendAsync(request, ct);
                        Assert.Equal(expected, response.StatusCode);
                    }

                    Assert.NotNull(child.EnvdVersion);
                }
            }

            foreach (var child in children)
            {
                // Its RAM is the template's, mapped privately (a sealed copy held once for all clones).
                Assert.Contains("/memfd:wrenn-template-ram", File.ReadAllText($"/proc/{QemuPid(agent, child.SandboxId)}/maps"), StringComparison.Ordinal);
                Assert.Equal("warmed\n", await ExecAsync(agent, child.SandboxId, "cat /dev/shm/state"));
                var first = await CounterAsync(agent, child.SandboxId);
                await Task.Delay(700, ct);
                Assert.True(await CounterAsync(agent, child.SandboxId) > first, "the template's counter process runs in the new sandbox");
                Assert.Contains("169.254.0.21", await ExecAsync(agent, child.SandboxId, "cat /proc/net/fib_trie"), StringComparison.Ordinal);
                await AssertVirtioRngFeedsTheGuestAsync(agent, child.SandboxId);
            }

            // Each child writes its own disk: what one writes the other and the template do not see.
            await ExecAsync(agent, children[0].SandboxId, "echo mine > ~/only-here && sync");
            Assert.Equal("absent\n", await ExecAsync(agent, children[1].SandboxId, "test -e ~/only-here && echo present || echo absent"));

            // Paused to disk, a child gives its slot back; a newcomer takes it, and the child resumes in another.
            var stateFile = new FileInfo(Path.Combine(agent.WrennDir, "snapshots", children[0].SandboxId, "memory"));
            clock.Restart();
            await agent.Manager.PauseAsync(children[0].SandboxId, automatic: false, ct);
            var firstPause = clock.Elapsed;
            var firstState = stateFile.Length;
            var newcomer = Spec() with { Template = template };
            await agent.Manager.CreateAsync(newcomer, ct);
            await agent.Manager.ResumeAsync(children[0].SandboxId, 0, ct);
            Assert.Equal("warmed\n", await ExecAsync(agent, children[0].SandboxId, "cat /dev/shm/state"));
            Assert.Equal("mine\n", await ExecAsync(agent, children[0].SandboxId, "cat ~/only-here"));
            var moved = await CounterAsync(agent, children[0].SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, children[0].SandboxId) > moved, "the counter runs on in the new slot");
            await agent.Manager.DestroyAsync(newcomer.SandboxId, ct);

            // Resumed, the clone's RAM is a file of its own, mapped shared (no longer the template's):
            // its next pause writes device state only, and it resumes where it stopped again.
            var maps = File.ReadAllText($"/proc/{QemuPid(agent, children[0].SandboxId)}/maps");
            Assert.DoesNotContain("/memfd:wrenn-template-ram", maps, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(agent.WrennDir, "sandboxes", children[0].SandboxId, "memory.ram"), maps, StringComparison.Ordinal);
            clock.Restart();
            await agent.Manager.PauseAsync(children[0].SandboxId, automatic: false, ct);
            var secondPause = clock.Elapsed;
            stateFile.Refresh();
            var secondState = stateFile.Length;
            Assert.True(secondState < 1024 * 1024, $"a resumed clone's pause writes device state only, not guest RAM ({secondState} bytes)");
            await agent.Manager.ResumeAsync(children[0].SandboxId, 0, ct);
            Assert.Equal("warmed\n", await ExecAsync(agent, children[0].SandboxId, "cat /dev/shm/state"));
            Assert.Equal("mine\n", await ExecAsync(agent, children[0].SandboxId, "cat ~/only-here"));
            moved = await CounterAsync(agent, children[0].SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, children[0].SandboxId) > moved, "the counter runs on after the second resume");
            output.WriteLine($"qemu (TCG) clone's first pause {firstPause.TotalSeconds:F2} s ({firstState / 1048576.0:F1} MB: its RAM), second pause {secondPause.TotalSeconds:F2} s ({secondState / 1024.0:F1} KB: device state)");

            // Its vcpus and memory are the template's.
            await Assert.ThrowsAsync<ArgumentException>(() => agent.Manager.CreateAsync(Spec() with { Template = template, MemoryMb = 512 }, ct));
            await Assert.ThrowsAsync<Wrenn.Agent.Storage.TemplateInUseException>(() => agent.Manager.DeleteSnapshotAsync(template, CancellationToken.None));

            output.WriteLine($"qemu (TCG) template of a running VM {snapshot.TotalSeconds:F2} s ({made.SizeBytes / 1048576.0:F1} MB), sandbox from it {string.Join(", ", restores.Select(r => r.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s");
            foreach (var id in children.Select(c => c.SandboxId).Append(source.SandboxId))
            {
                await agent.Manager.DestroyAsync(id, ct);
            }

            await agent.Manager.DeleteSnapshotAsync(template, CancellationToken.None);

            // Deleted, the template's RAM file (held open beside its copy for clones) and the copy are let go
            // now, not at some later clone of another template: its disk space and memory come back.
            Assert.DoesNotContain(OpenFiles.Now(), f => f.Contains(template, StringComparison.Ordinal));
        }

        WriteTimings(log);
        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_create_from_a_template_takes_the_vm_prepared_for_it_and_no_prepared_vm_outlives_its_template_or_the_agent()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var log = new CapturedLog();
        var source = Spec();
        var template = WrennIds.NewTemplateId();
        await using (var agent = QemuAgent(services => services.AddLogging(logging => logging.AddProvider(log))))
        {
            var prepared = agent.Get<PreparedVmms>();
            await agent.Manager.CreateAsync(source, ct);
            await ExecAsync(agent, source.SandboxId, StartCounter);
            await agent.Manager.CreateSnapshotAsync(source.SandboxId, template, "vmtpl", ct);

            // The first create from the template starts its own QEMU; then one is prepared for the next.
            var first = Spec() with { Template = template };
            await agent.Manager.CreateAsync(first, ct);
            Assert.DoesNotContain(log.Lines, l => l.Contains($"create {first.SandboxId} took", StringComparison.Ordinal) && l.Contains("qemu.prepared", StringComparison.Ordinal));
            await Waiting.UntilAsync(() => prepared.Count == 1, "a VM is prepared for the template after a create from it", ct, TimeSpan.FromMinutes(1));
            var vmm = Assert.Single(Directory.GetDirectories(Path.Combine(agent.WrennDir, "sandboxes"), "pv-*"));
            var vmmName = Path.GetFileName(vmm);
            Assert.Contains("wrenn-" + vmmName, HostSnapshot.Take().Namespaces);
            Assert.True(QemuRunning(vmmName), "the prepared VM's QEMU runs");

            // The next takes it: no QEMU started, no state read; the guest is the template's, the sandbox's own.
            var second = Spec() with { Template = template };
            await agent.Manager.CreateAsync(second, ct);
            Assert.Contains(log.Lines, l => l.Contains($"create {second.SandboxId} took", StringComparison.Ordinal) && l.Contains("qemu.prepared=", StringComparison.Ordinal) && !l.Contains("qemu.launch", StringComparison.Ordinal));
            Assert.False(Directory.Exists(vmm), "the prepared VM's directory became the sandbox's");
            Assert.DoesNotContain("wrenn-" + vmmName, HostSnapshot.Take().Namespaces);
            Assert.Contains("wrenn-" + vmmName, QemuCommandLine(agent, second.SandboxId));
            Assert.Equal(second.SandboxId + "\n", await ExecAsync(agent, second.SandboxId, "hostname"));
            Assert.Contains("169.254.0.21", await ExecAsync(agent, second.SandboxId, "cat /proc/net/fib_trie"), StringComparison.Ordinal);
            var counted = await CounterAsync(agent, second.SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, second.SandboxId) > counted, "the template's counter process runs in the sandbox");
            var tokens = new[] { source, first, second }.Select(s => agent.Manager.List().Single(x => x.Id == s.SandboxId).EnvdAccessToken).Distinct().Count();
            Assert.Equal(3, tokens);

            // Paused and resumed, it is started again under its own name, and runs on.
            await agent.Manager.PauseAsync(second.SandboxId, automatic: false, ct);
            Assert.False(QemuRunning(vmmName), "paused, the VM holds no process");
            await agent.Manager.ResumeAsync(second.SandboxId, 0, ct);
            Assert.Contains("wrenn-" + second.SandboxId, QemuCommandLine(agent, second.SandboxId));
            counted = await CounterAsync(agent, second.SandboxId);
            await Task.Delay(700, ct);
            Assert.True(await CounterAsync(agent, second.SandboxId) > counted, "the counter runs on after the resume");

            // A template removed takes its prepared VM with it at once (its QEMU holds the template's files).
            await Waiting.UntilAsync(() => prepared.Count == 1, "another VM is prepared after the create that took one", ct, TimeSpan.FromMinutes(1));
            foreach (var id in new[] { first.SandboxId, second.SandboxId })
            {
                await agent.Manager.DestroyAsync(id, ct);
            }

            await agent.Manager.DeleteSnapshotAsync(template, CancellationToken.None);
            Assert.Equal(0, prepared.Count);
            Assert.Empty(Directory.GetDirectories(Path.Combine(agent.WrennDir, "sandboxes"), "pv-*"));
            Assert.DoesNotContain(OpenFiles.Now(), f => f.Contains(template, StringComparison.Ordinal));

            // One prepared from the base snapshot (a create from the image restores it), left by an agent that died:
            // the next start's recovery removes it with its QEMU and namespace (a directory without a record).
            await agent.Manager.CreateAsync(Spec(), ct);
            await Waiting.UntilAsync(() => prepared.Count == 1, "a VM is prepared for the base snapshot", ct, TimeSpan.FromMinutes(1));
            var left = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(agent.WrennDir, "sandboxes"), "pv-*")));
            await agent.Manager.RecoverAsync(ct);
            Assert.Empty(Directory.GetDirectories(Path.Combine(agent.WrennDir, "sandboxes"), "pv-*"));
            Assert.False(QemuRunning(left), "recovery ends a leftover prepared VM's QEMU");
            Assert.DoesNotContain("wrenn-" + left, HostSnapshot.Take().Namespaces);

            // One whose QEMU died while it waited is not handed out: the create starts its own.
            await agent.Manager.CreateAsync(Spec(), ct);
            await Waiting.UntilAsync(() => prepared.Count == 1, "a VM is prepared for the base snapshot again", ct, TimeSpan.FromMinutes(1));
            var dead = Assert.Single(Directory.GetDirectories(Path.Combine(agent.WrennDir, "sandboxes"), "pv-*"));
            Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(dead, "qemu.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture)).Kill();
            await Waiting.UntilAsync(() => !QemuRunning(Path.GetFileName(dead)), "the prepared VM's QEMU is killed", ct);
            var afterDeath = Spec();
            await agent.Manager.CreateAsync(afterDeath, ct);
            Assert.Contains(log.Lines, l => l.Contains($"create {afterDeath.SandboxId} took", StringComparison.Ordinal) && l.Contains("qemu.launch", StringComparison.Ordinal));
            Assert.Equal(afterDeath.SandboxId + "\n", await ExecAsync(agent, afterDeath.SandboxId, "hostname"));
            Assert.False(Directory.Exists(dead), "the dead prepared VM's directory is removed");

            // And one the running agent holds goes when it stops.
            await Waiting.UntilAsync(() => Directory.GetDirectories(Path.Combine(agent.WrennDir, "sandboxes"), "pv-*").Length == 1, "a VM is prepared for the base snapshot once more", ct, TimeSpan.FromMinutes(1));
        }

        WriteTimings(log);
        Assert.Empty(HostSnapshot.Take().NewSince(before));
        Assert.DoesNotContain(log.Lines, l => l.Contains("could not be prepared", StringComparison.Ordinal) || l.Contains("could not be discarded", StringComparison.Ordinal));

        // The VM cgroups' parent goes with the last of them, the prepared VMs' included.
        Assert.All(new[] { "memory", "cpu" }.Select(h => Path.Combine("/sys/fs/cgroup", h, "wrenn-qemu")), parent => Assert.False(Directory.Exists(parent) && !Directory.EnumerateDirectories(parent).Any(), $"{parent} is left empty"));
    }

    [Fact]
    public async Task Clones_of_a_template_share_the_pages_none_of_them_wrote()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var source = Spec();
        var template = WrennIds.NewTemplateId();
        var log = new CapturedLog();
        await using (var agent = QemuAgent(services => services.AddLogging(logging => logging.AddProvider(log))))
        {
            await agent.Manager.CreateAsync(source, ct);
            // Something in the guest's page cache and tmpfs, so the template holds more than a bare kernel.
            await ExecAsync(agent, source.SandboxId, "head -c 32000000 /dev/urandom > /dev/shm/fill");
            var clock = Stopwatch.StartNew();
            await agent.Manager.PauseAsync(source.SandboxId, automatic: false, ct);
            var pause = clock.Elapsed;
            var state = new FileInfo(Path.Combine(agent.WrennDir, "snapshots", source.SandboxId, "memory")).Length;
            await agent.Manager.CreateSnapshotAsync(source.SandboxId, template, "vmshare", ct);
            await agent.Manager.DestroyAsync(source.SandboxId, ct);

            var clones = Enumerable.Range(0, 4).Select(_ => Spec() with { Template = template }).ToList();
            var creates = new List<TimeSpan>();
            foreach (var clone in clones)
            {
                clock.Restart();
                await agent.Manager.CreateAsync(clone, ct);
                creates.Add(clock.Elapsed);
                Assert.Equal(32000000 + "\n", await ExecAsync(agent, clone.SandboxId, "stat -c %s /dev/shm/fill"));
            }

            // What one clone writes stays its own: the others and the template still read the old bytes.
            var original = await ExecAsync(agent, clones[1].SandboxId, "md5sum < /dev/shm/fill");
            await ExecAsync(agent, clones[0].SandboxId, "head -c 32000000 /dev/zero > /dev/shm/fill");
            Assert.NotEqual(original, await ExecAsync(agent, clones[0].SandboxId, "md5sum < /dev/shm/fill"));
            Assert.Equal(original, await ExecAsync(agent, clones[1].SandboxId, "md5sum < /dev/shm/fill"));

            // A template of a running clone (its RAM the template's, mapped privately) starts sandboxes
            // that read what the clone held.
            var second = WrennIds.NewTemplateId();
            await agent.Manager.CreateSnapshotAsync(clones[1].SandboxId, second, "vmshare2", ct);
            var grandchild = Spec() with { Template = second };
            await agent.Manager.CreateAsync(grandchild, ct);
            Assert.Equal(original, await ExecAsync(agent, grandchild.SandboxId, "md5sum < /dev/shm/fill"));
            await agent.Manager.DestroyAsync(grandchild.SandboxId, ct);
            await agent.Manager.DeleteSnapshotAsync(second, ct);

            var usage = clones.Select(c => MemoryOf(QemuPid(agent, c.SandboxId))).ToList();
            var pss = usage.Sum(u => u.Pss);
            var rss = usage.Sum(u => u.Rss);
            // In the guest RAM mapping, pages several clones read are counted once across them in Pss.
            var guest = clones.Select(c => GuestRamMemoryOf(QemuPid(agent, c.SandboxId))).ToList();
            Assert.True(guest.Sum(g => g.Pss) < guest.Sum(g => g.Rss), $"clones share no guest RAM: Pss {guest.Sum(g => g.Pss)} KiB, Rss {guest.Sum(g => g.Rss)} KiB");
            output.WriteLine($"qemu (TCG) pause of a fresh VM {pause.TotalSeconds:F3} s ({state / 1024.0:F1} KB of state), 4 clones created in {string.Join(", ", creates.Select(c => c.TotalSeconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s; their QEMUs together: Pss {pss / 1024.0:F1} MiB, Rss {rss / 1024.0:F1} MiB, of which the template's guest RAM Pss {guest.Sum(g => g.Pss) / 1024.0:F1} MiB, Rss {guest.Sum(g => g.Rss) / 1024.0:F1} MiB (each: {string.Join(", ", usage.Select(u => $"{u.Pss / 1024.0:F1}/{u.Rss / 1024.0:F1}"))} MiB Pss/Rss)");
            foreach (var clone in clones)
            {
                await agent.Manager.DestroyAsync(clone.SandboxId, ct);
            }

            await agent.Manager.DeleteSnapshotAsync(template, ct);
        }

        WriteTimings(log);
        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_vm_that_cannot_be_continued_after_a_failed_pause_is_destroyed_not_left_looking_alive()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var spec = Spec();
        await using (var agent = QemuAgent())
        {
            await agent.Manager.CreateAsync(spec, ct);
            var pid = int.Parse(File.ReadAllText(Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId, "qemu.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(await Wrenn.Agent.Runtimes.Vm.VmProcess.KillAsync(pid, "wrenn-" + spec.SandboxId, TimeSpan.FromSeconds(30)));

            await Assert.ThrowsAnyAsync<Exception>(() => agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct));
            Assert.DoesNotContain(agent.Manager.List(), s => s.Id == spec.SandboxId);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task Qemu_runs_unprivileged_under_seccomp_in_its_own_limited_cgroup_that_goes_with_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var spec = Spec();
        await using (var agent = QemuAgent())
        {
            await agent.Manager.CreateAsync(spec, ct);
            var sandboxDirectory = Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId);
            var pid = QemuPid(agent, spec.SandboxId);

            // Not root: every uid and gid (real, effective, saved, filesystem) is the VM user's, no
            // supplementary groups, no capabilities, and QEMU's seccomp filter is on (mode 2).
            var status = File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).ToDictionary(f => f[0], f => f[1].Trim());
            output.WriteLine($"qemu pid {pid}: Uid {status["Uid"]}, Gid {status["Gid"]}, Groups '{status["Groups"]}', CapEff {status["CapEff"]}, Seccomp {status["Seccomp"]}, NoNewPrivs {status["NoNewPrivs"]}");
            // Its own ids, from the VM range (2000000000 up), the same for uid and gid.
            var uid = status["Uid"].Split('\t')[0];
            Assert.True(long.Parse(uid, System.Globalization.CultureInfo.InvariantCulture) >= 2_000_000_000, $"QEMU runs as uid {uid}");
            Assert.All(status["Uid"].Split('\t').Concat(status["Gid"].Split('\t')), id => Assert.Equal(uid, id));
            Assert.Equal(string.Empty, status["Groups"]);
            Assert.Equal("0000000000000000", status["CapEff"]);
            Assert.Equal("2", status["Seccomp"]);
            Assert.Equal("1", status["NoNewPrivs"]);

            // In its own cgroup, whose limits are the sandbox's: 256 MiB guest + 384 MiB overhead, one CPU per vCPU.
            var memoryCgroup = CgroupOf(pid, "memory");
            Assert.Equal("/wrenn-qemu/" + spec.SandboxId, memoryCgroup);
            Assert.Equal((256L + 384) * 1024 * 1024, long.Parse(File.ReadAllText($"/sys/fs/cgroup/memory{memoryCgroup}/memory.limit_in_bytes").Trim(), System.Globalization.CultureInfo.InvariantCulture));
            var cpuCgroup = CgroupOf(pid, "cpu");
            Assert.Equal("/wrenn-qemu/" + spec.SandboxId, cpuCgroup);
            Assert.Equal("100000", File.ReadAllText($"/sys/fs/cgroup/cpu{cpuCgroup}/cpu.cfs_quota_us").Trim());

            // What QEMU works on stays root's alone (it got them as open descriptors); only its working directory is its own.
            AssertOwnerAndMode(Path.Combine(sandboxDirectory, "disk.qcow2"), 0, "600");
            AssertOwnerAndMode(Path.Combine(sandboxDirectory, "qemu"), long.Parse(uid, System.Globalization.CultureInfo.InvariantCulture), "700");
            // Guest RAM: the VM user's own file (QEMU reopens it through /proc/self/fd with its own rights), no one else's.
            AssertOwnerAndMode(Path.Combine(sandboxDirectory, "memory.ram"), long.Parse(uid, System.Globalization.CultureInfo.InvariantCulture), "600");
            Assert.Equal("ok\n", await ExecAsync(agent, spec.SandboxId, "echo ok"));

            // Another VM (restored from the base snapshot the first one left) runs as another user: one QEMU cannot signal or trace the other.
            var other = Spec();
            await agent.Manager.CreateAsync(other, ct);
            var otherUid = File.ReadAllLines($"/proc/{QemuPid(agent, other.SandboxId)}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1];
            Assert.NotEqual(uid, otherUid);
            Assert.Equal("ok\n", await ExecAsync(agent, other.SandboxId, "echo ok"));
            await agent.Manager.DestroyAsync(other.SandboxId, ct);

            // Paused to disk, the process and its cgroup are gone; the memory file is root's, 0600.
            await agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            Assert.False(Directory.Exists($"/sys/fs/cgroup/memory{memoryCgroup}"), "a paused VM's cgroup is removed");
            AssertOwnerAndMode(Path.Combine(agent.WrennDir, "snapshots", spec.SandboxId, "memory"), 0, "600");
            await agent.Manager.ResumeAsync(spec.SandboxId, 0, ct);
            var resumed = QemuPid(agent, spec.SandboxId);
            Assert.Equal("/wrenn-qemu/" + spec.SandboxId, CgroupOf(resumed, "memory"));
            Assert.Equal("ok\n", await ExecAsync(agent, spec.SandboxId, "echo ok"));
            output.WriteLine($"qemu peak memory (cgroup max_usage) {long.Parse(File.ReadAllText($"/sys/fs/cgroup/memory{memoryCgroup}/memory.max_usage_in_bytes").Trim(), System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:F0} MiB for a 256 MiB guest after resume");

            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
            Assert.False(Directory.Exists($"/sys/fs/cgroup/memory{memoryCgroup}"), "destroy removes the VM's memory cgroup");
            Assert.False(Directory.Exists($"/sys/fs/cgroup/cpu{cpuCgroup}"), "destroy removes the VM's cpu cgroup");
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_guest_flooding_its_serial_console_never_grows_the_console_log_past_its_cap()
    {
        const long cap = 64 * 1024;
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var spec = Spec();
        await using (var agent = QemuAgent(services => services.Configure<QemuRuntimeOptions>(o => o.ConsoleLogBytes = cap)))
        {
            await agent.Manager.CreateAsync(spec, ct);
            var sandboxDirectory = Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId);
            var log = Path.Combine(sandboxDirectory, ConsoleLog.FileName);
            var rotated = Path.Combine(sandboxDirectory, ConsoleLog.RotatedFileName);

            // Root in the guest writes five caps' worth to its serial console, then a last line.
            var clock = Stopwatch.StartNew();
            var flood = agent.Commands.ExecAsync(
                new ExecSpec(spec.SandboxId, "yes 'the guest floods its serial console, line after line' | head -c 327680 > /dev/ttyS0; echo flood-ended > /dev/ttyS0", [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(120), "root"),
                CancellationToken.None);
            var largest = 0L;
            while (!flood.IsCompleted)
            {
                largest = Math.Max(largest, Math.Max(SizeOf(log), SizeOf(rotated)));
                await Task.Delay(5, ct);
            }

            var flooded = await flood;
            output.WriteLine($"flood: exit {flooded.ExitCode}, {Encoding.UTF8.GetString(flooded.Stderr)}");
            Assert.Equal(0, flooded.ExitCode);
            var sandbox = agent.Manager.List().Single(s => s.Id == spec.SandboxId).Runtime!;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!agent.Runtime.ReadConsoleTail(sandbox).Contains("flood-ended", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, ct);
            }

            output.WriteLine($"320 KiB through the emulated serial console in {clock.Elapsed.TotalSeconds:F1} s; largest log file seen {largest} bytes");
            Assert.Contains("flood-ended", agent.Runtime.ReadConsoleTail(sandbox), StringComparison.Ordinal);
            Assert.InRange(largest, 1, cap);
            Assert.InRange(SizeOf(log), 1, cap);
            Assert.Equal(cap, SizeOf(rotated));
            AssertOwnerAndMode(log, 0, "600");
            AssertOwnerAndMode(rotated, 0, "600");
            AssertOwnerAndMode(log + ".pipe", 0, "600");

            // The rotator counts against the VM's cgroup and ends with its QEMU.
            var rotator = RotatorPid(log);
            Assert.NotNull(rotator);
            Assert.Equal("/wrenn-qemu/" + spec.SandboxId, CgroupOf(rotator.Value, "memory"));
            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
            Assert.Null(RotatorPid(log));
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task At_start_the_agent_removes_vm_cgroups_whose_sandbox_is_gone()
    {
        var ct = TestContext.Current.CancellationToken;
        // What an agent that died between removing a sandbox and its cgroup leaves: an empty VM cgroup.
        var orphan = "sb-orphan" + Guid.NewGuid().ToString("N")[..8];
        string[] directories = [$"/sys/fs/cgroup/memory/wrenn-qemu/{orphan}", $"/sys/fs/cgroup/cpu/wrenn-qemu/{orphan}"];
        foreach (var directory in directories)
        {
            Directory.CreateDirectory(directory);
        }

        try
        {
            await using var agent = QemuAgent();
            await agent.Manager.RecoverAsync(ct);
            Assert.All(directories, d => Assert.False(Directory.Exists(d), $"{d} is left"));
        }
        finally
        {
            foreach (var directory in directories.Where(Directory.Exists))
            {
                Directory.Delete(directory);
            }
        }
    }

    /// <summary>The agent's lines that say where a create, restore, pause or resume spent its time.</summary>
    private void WriteTimings(CapturedLog log)
    {
        foreach (var line in log.Lines.Where(l => l.Contains(" took ", StringComparison.Ordinal) || l.Contains("restored from template", StringComparison.Ordinal) || l.Contains(" resumed", StringComparison.Ordinal) || l.Contains(" saved ", StringComparison.Ordinal) || l.Contains(" running (", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }
    }

    private static string[] QemuCommandLine(AgentUnderTest agent, string sandboxId) =>
        File.ReadAllText($"/proc/{QemuPid(agent, sandboxId)}/cmdline").Split('\0');

    private static int QemuPid(AgentUnderTest agent, string sandboxId) =>
        int.Parse(File.ReadAllText(Path.Combine(agent.WrennDir, "sandboxes", sandboxId, "qemu.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The process's cgroup in the v1 hierarchy of <paramref name="controller"/> ("4:memory:/wrenn-qemu/…").</summary>
    private static string CgroupOf(int pid, string controller) =>
        File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).Single(f => f[1].Split(',').Contains(controller))[2];

    private static void AssertOwnerAndMode(string path, long uid, string octalMode)
    {
        var stat = Stat(path);
        Assert.Equal((uid, octalMode), (stat.Uid, stat.Mode));
    }

    private static (long Uid, string Mode) Stat(string path)
    {
        var fields = Lines("stat", "-c", "%u %a", path).Split(' ');
        return (long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture), fields[1].Trim());
    }

    private static string Lines(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text;
    }

    /// <summary>An agent on the qemu runtime; software emulation boots slowly on a busy host, so envd gets three minutes.</summary>
    private static AgentUnderTest QemuAgent(Action<IServiceCollection>? configure = null) => new(
        new NoStepFaults(),
        services =>
        {
            services.Configure<SandboxManagerOptions>(o => o.EnvdReadyTimeout = TimeSpan.FromMinutes(3));
            configure?.Invoke(services);
        },
        runtime: "qemu");

    private static long SizeOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }

    /// <summary>The console rotator writing <paramref name="log"/>, if one runs.</summary>
    private static int? RotatorPid(string log)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (commandLine.Contains("console-log") && commandLine.Contains(log) && int.TryParse(Path.GetFileName(directory), out var pid))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return null;
    }

    /// <summary>
    /// Starts a counter in the guest's tmpfs, 10 a second, each value written to a new file and renamed so that a
    /// read never finds it empty; the call returns once the first value is there (under TCG the background loop
    /// may not have run yet when the exec ends, and a read then found no file).
    /// </summary>
    private const string StartCounter =
        "nohup sh -c 'i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter.new; mv /dev/shm/counter.new /dev/shm/counter; sleep 0.1; done' >/dev/null 2>&1 & "
        + "until [ -s /dev/shm/counter ]; do sleep 0.05; done";

    private static CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    private static async Task<int> CounterAsync(AgentUnderTest agent, string sandboxId) =>
        int.Parse((await ExecAsync(agent, sandboxId, "cat /dev/shm/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The guest's hw_random core found the virtio-rng device, chose it, and reads bytes from it: a guest
    /// restored from a shared snapshot has host entropy to reseed from.
    /// </summary>
    private static async Task AssertVirtioRngFeedsTheGuestAsync(AgentUnderTest agent, string sandboxId)
    {
        Assert.Contains("virtio_rng", await ExecAsync(agent, sandboxId, "cat /sys/class/misc/hw_random/rng_available"), StringComparison.Ordinal);
        Assert.StartsWith("virtio_rng", await ExecAsync(agent, sandboxId, "cat /sys/class/misc/hw_random/rng_current"), StringComparison.Ordinal);
        Assert.Equal("32\n", await ExecAsync(agent, sandboxId, "head -c 32 /dev/hwrng | wc -c", user: "root"));
    }

    /// <summary>Proportional and resident memory of a process, in KiB (smaps_rollup): shared pages count in Pss once across all their users.</summary>
    private static (long Pss, long Rss) MemoryOf(int pid)
    {
        long Field(string name) => File.ReadLines($"/proc/{pid}/smaps_rollup")
            .Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture))
            .Single();
        return (Field("Pss"), Field("Rss"));
    }

    /// <summary>Pss and Rss (KiB) of the mapping of a template's guest RAM in a clone's QEMU.</summary>
    private static (long Pss, long Rss) GuestRamMemoryOf(int pid)
    {
        long pss = 0, rss = 0;
        var inGuestRam = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                inGuestRam = line.Contains("/memfd:wrenn-template-ram", StringComparison.Ordinal);
            }
            else if (inGuestRam && fields[0] is "Pss:" or "Rss:")
            {
                var kib = long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                (pss, rss) = fields[0] == "Pss:" ? (pss + kib, rss) : (pss, rss + kib);
            }
        }

        return (pss, rss);
    }

    private static bool QemuRunning(string sandboxId) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => Path.Combine(d, "cmdline"))
            .Any(path =>
            {
                try
                {
                    return File.ReadAllText(path).Contains("wrenn-" + sandboxId, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            });

    private static async Task<string> ExecAsync(AgentUnderTest agent, string sandboxId, string command, string? user = null) =>
        Encoding.UTF8.GetString((await agent.Commands.ExecAsync(new ExecSpec(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(60), user), CancellationToken.None)).Stdout);
}
