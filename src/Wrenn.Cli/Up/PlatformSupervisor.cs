using System.Diagnostics;
using Wrenn.Cli.Config;
using Wrenn.Cli.Images;
using Wrenn.Common.Bootstrap;
using Wrenn.Common.Configuration;
using Wrenn.Common.Doctor;
using Wrenn.Common.Doctor.Checks;

namespace Wrenn.Cli.Up;

/// <summary>
/// `wrenn up`: makes sure the minimal image exists, starts the host agent and the control plane as
/// child processes, waits until the platform can create sandboxes, prints where it is and how to
/// authenticate, and stops both cleanly on Ctrl-C or SIGTERM.
/// </summary>
public sealed class PlatformSupervisor(UpOptions options, TextWriter output, HttpClient http)
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    /// <summary>With --ephemeral the agent destroys every sandbox when it stops; give it time for that.</summary>
    public static readonly TimeSpan AgentStopGrace = TimeSpan.FromMinutes(3);

    public static readonly TimeSpan ControlPlaneStopGrace = TimeSpan.FromSeconds(20);

    public async Task<int> RunAsync(CancellationToken stopToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            await Console.Error.WriteLineAsync("wrenn up: must run as root (the host agent creates network namespaces, mounts and containers); run it with sudo").ConfigureAwait(false);
            return 1;
        }

        if (!ListenAddress.TryParse(options.ListenAddress, out var cpListen) || !ListenAddress.TryParse(options.HostListenAddress, out var agentListen) || !ListenAddress.TryParse(options.ProxyListenAddress, out var proxyListen))
        {
            await Console.Error.WriteLineAsync($"wrenn up: listen addresses must look like ':PORT' or 'HOST:PORT' (got '{options.ListenAddress}', '{options.HostListenAddress}', '{options.ProxyListenAddress}')").ConfigureAwait(false);
            return 2;
        }

        // Single node: *.localhost names loopback in browsers and curl, and the port makes E2B's getHost(port) usable as is.
        var proxyDomain = options.ProxyDomain ?? $"localhost:{proxyListen.Port}";
        var proxyUrl = proxyListen.ToLocalUrl(WrennEnvironment.Get(WrennEnvironment.ProxyTlsCert) is null ? "http" : "https");

        var started = Stopwatch.GetTimestamp();
        Directory.CreateDirectory(options.WrennDir);
        using var instance = InstanceLock.TryAcquire(options.WrennDir, out var holder);
        if (instance is null)
        {
            await Console.Error.WriteLineAsync($"wrenn up: another wrenn up{(holder > 0 ? $" (pid {holder})" : string.Empty)} is already running on {options.WrennDir}; stop it first (Ctrl-C in its terminal{(holder > 0 ? $", or: sudo kill {holder}" : string.Empty)})").ConfigureAwait(false);
            return 1;
        }

        if (PortsInUse(("control plane", cpListen), ("host agent", agentListen), ("sandbox proxy", proxyListen)) is { } busy)
        {
            await Console.Error.WriteLineAsync("wrenn up: " + busy).ConfigureAwait(false);
            return 1;
        }

        // The host checks of `wrenn doctor`, before a minute of image building: each missing requirement
        // is one line with its fix. The guest kernel is left out: it is fetched below.
        var doctorSettings = DoctorSettings.FromEnvironment(
            options.WrennDir,
            options.Runtime,
            [
                new("control plane", WrennEnvironment.ControlPlaneListenAddress, cpListen.ToString()),
                new("host agent", WrennEnvironment.HostListenAddress, agentListen.ToString()),
                new("sandbox proxy", WrennEnvironment.ProxyListenAddress, proxyListen.ToString()),
            ]);
        var report = await HostDoctor.ForThisHost().RunAsync(doctorSettings, stopToken, new HashSet<string>(StringComparer.Ordinal) { GuestKernelCheck.CheckName }).ConfigureAwait(false);
        if (!report.IsHealthy)
        {
            foreach (var line in Doctor.DoctorPrinter.MissingLines(report))
            {
                await Console.Error.WriteLineAsync("wrenn up: " + line).ConfigureAwait(false);
            }

            return 1;
        }

        var runtime = doctorSettings.Runtime;

        var builder = new ImageBuilder(output);
        await builder.BuildAsync(
            new ImageBuildRequest("minimal", new WrennLayout(options.WrennDir).Images, Path.Combine(options.BinDirectory, "envd"), Force: false),
            stopToken).ConfigureAwait(false);

        // The runtime must be ready before anything starts: QEMU's guest kernel is fetched as the image is
        // built, so the first create does not fail on it.
        if (runtime == RuntimeChoice.Qemu && RuntimeChoice.WhatIsMissing(runtime, options.WrennDir, RuntimeChoice.IsOnPath, WrennEnvironment.Get(WrennEnvironment.QemuBinary)) is not null)
        {
            await new KernelInstaller(output).InstallAsync(new WrennLayout(options.WrennDir).Kernels, force: false, stopToken).ConfigureAwait(false);
        }

        if (RuntimeChoice.WhatIsMissing(runtime, options.WrennDir, RuntimeChoice.IsOnPath, WrennEnvironment.Get(WrennEnvironment.QemuBinary)) is { } missing)
        {
            await Console.Error.WriteLineAsync("wrenn up: " + missing).ConfigureAwait(false);
            return 1;
        }

        var logs = new WrennLayout(options.WrennDir).Logs;
        var common = new Dictionary<string, string>
        {
            [WrennEnvironment.Dir] = options.WrennDir,
            [WrennEnvironment.Runtime] = options.Runtime,
            // The children stop when this process is gone (SIGKILL, OOM, a closed terminal): no orphans holding the ports.
            [Wrenn.Common.Processes.SupervisorWatch.Variable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var apiUrl = cpListen.ToLocalUrl();
        await using var controlPlane = ChildProcess.Start(
            "control-plane",
            Path.Combine(options.BinDirectory, "wrenn-cp"),
            [],
            new Dictionary<string, string>(common)
            {
                [WrennEnvironment.ControlPlaneListenAddress] = cpListen.ToString(),
                [WrennEnvironment.ControlPlaneUrl] = WrennEnvironment.Get(WrennEnvironment.ControlPlaneUrl, apiUrl),
                [WrennEnvironment.ProxyListenAddress] = proxyListen.ToString(),
                [WrennEnvironment.ProxyDomain] = proxyDomain,
            },
            Path.Combine(logs, "control-plane.log"),
            options.ShowLogs);
        output.WriteLine($"control plane: pid {controlPlane.Pid}, HTTP on {cpListen}, sandbox proxy on {proxyListen}, log {controlPlane.LogPath}");

        // The agent joins through the same door as any host: a registration token from the hosts API,
        // asked for with the first admin's credentials. Later starts reuse what it stored.
        string[] agentArguments;
        try
        {
            agentArguments = await AgentArgumentsAsync(apiUrl, agentListen, controlPlane, stopToken).ConfigureAwait(false);
            if (options.Ephemeral)
            {
                agentArguments = [.. agentArguments, "--destroy-on-stop"];
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException)
        {
            await Console.Error.WriteLineAsync("wrenn up: " + ex.Message).ConfigureAwait(false);
            _ = await controlPlane.StopAsync(ControlPlaneStopGrace).ConfigureAwait(false);
            return 1;
        }

        await using var agent = ChildProcess.Start(
            "agent",
            Path.Combine(options.BinDirectory, "wrenn-agent"),
            agentArguments,
            new Dictionary<string, string>(common) { [WrennEnvironment.HostListenAddress] = agentListen.ToString() },
            Path.Combine(logs, "agent.log"),
            options.ShowLogs);
        output.WriteLine($"host agent: pid {agent.Pid}, gRPC on {agentListen}, log {agent.LogPath}");

        try
        {
            var failure = await WaitUntilReadyAsync(apiUrl, agentListen, agent, controlPlane, stopToken).ConfigureAwait(false);
            if (failure is not null)
            {
                await Console.Error.WriteLineAsync("wrenn up: " + failure).ConfigureAwait(false);
                return 1;
            }
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            output.WriteLine("wrenn up: stopped before the platform was ready");
            return await StopAsync(agent, controlPlane).ConfigureAwait(false);
        }

        var credentials = await BootstrapCredentials.ReadAsync(options.WrennDir, stopToken).ConfigureAwait(false);
        if (credentials is null)
        {
            await Console.Error.WriteLineAsync($"wrenn up: the control plane did not write {BootstrapCredentials.PathIn(options.WrennDir)}").ConfigureAwait(false);
            await StopAsync(agent, controlPlane).ConfigureAwait(false);
            return 1;
        }

        HostEnrollment.KeepHostToken(options.WrennDir, credentials.TeamId);
        await new ClientConfig(apiUrl, credentials.ApiKey).WriteAsync(options.ConfigPath, stopToken).ConfigureAwait(false);
        output.WriteLine();
        output.WriteLine($"Wrenn is up in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s.");
        output.WriteLine($"  API URL:   {apiUrl}");
        output.WriteLine($"  Reachable: {ApiExposure.Describe(cpListen)}");
        output.WriteLine($"  Runtime:   {RuntimeDescription(options.Runtime, runtime)}");
        output.WriteLine($"  Proxy URL: {proxyUrl} (sandbox ports: {proxyUrl.Split("://")[0]}://PORT-SANDBOX_ID.{proxyDomain}, or the E2b-Sandbox-Id/E2b-Sandbox-Port headers)");
        output.WriteLine($"  API key:   {credentials.ApiKey}");
        output.WriteLine($"  Dashboard: {apiUrl}/dashboard/");
        // The console's sign-in needs the password; it is printed like the API key above (same owner, same terminal).
        output.WriteLine($"  Admin:     {credentials.Email} / {credentials.Password} (also in {BootstrapCredentials.PathIn(options.WrennDir)})");
        output.WriteLine($"  Saved to:  {options.ConfigPath}");
        output.WriteLine($"  Try:       curl -s -X POST {apiUrl}/v1/sandboxes -H 'X-API-Key: {credentials.ApiKey}' -H 'Content-Type: application/json' -d '{{}}'");
        output.WriteLine(options.Ephemeral
            ? "Press Ctrl-C to stop; every sandbox is destroyed on stop (--ephemeral)."
            : "Press Ctrl-C to stop; running sandboxes keep running, and the next wrenn up adopts them (--ephemeral destroys them on stop).");
        await output.FlushAsync(stopToken).ConfigureAwait(false);

        // Run until asked to stop or until a child dies on its own.
        var stopRequested = Task.Delay(Timeout.Infinite, stopToken);
        var finished = await Task.WhenAny(stopRequested, agent.WaitForExitAsync(CancellationToken.None), controlPlane.WaitForExitAsync(CancellationToken.None)).ConfigureAwait(false);
        if (finished != stopRequested)
        {
            var dead = agent.HasExited ? agent : controlPlane;
            await Console.Error.WriteLineAsync($"wrenn up: {dead.Name} exited with {dead.ExitCode}; stopping. Last log lines:\n{await dead.LogTailAfterExitAsync().ConfigureAwait(false)}").ConfigureAwait(false);
            await StopAsync(agent, controlPlane).ConfigureAwait(false);
            return 1;
        }

        output.WriteLine("wrenn up: stopping");
        return await StopAsync(agent, controlPlane).ConfigureAwait(false);
    }

    /// <summary>What the banner says runs sandboxes: the runtime, how VMs run, and why when "auto" chose.</summary>
    private static string RuntimeDescription(string requested, string runtime)
    {
        var how = runtime == RuntimeChoice.Qemu
            ? (RuntimeChoice.KvmUsable() ? "VMs with KVM" : "VMs under software emulation (no usable /dev/kvm): slow")
            : runtime == RuntimeChoice.Container ? "containers (they share the host kernel)" : runtime;
        return requested.Trim().Equals(RuntimeChoice.Auto, StringComparison.OrdinalIgnoreCase)
            ? $"{runtime}: {how} (chosen by {WrennEnvironment.Runtime}=auto)"
            : $"{runtime}: {how}";
    }

    /// <summary>The agent's command line: register with a fresh token (for the host it was, when it registered before).</summary>
    private async Task<string[]> AgentArgumentsAsync(string apiUrl, ListenAddress agentListen, ChildProcess controlPlane, CancellationToken stopToken)
    {
        var address = agentListen.ToLocalUrl()["http://".Length..];
        await WaitUntilListeningAsync(apiUrl, controlPlane, stopToken).ConfigureAwait(false);
        var credentials = await BootstrapCredentials.ReadAsync(options.WrennDir, stopToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the control plane did not write {BootstrapCredentials.PathIn(options.WrennDir)}");
        var enrollment = new HostEnrollment(http, new Uri(apiUrl));

        // A known agent registers again on every start: it may listen elsewhere now (only a registration
        // moves a host), and its short-lived host token may have expired while it was down.
        var registered = await HostEnrollment.RegisteredHostIdAsync(options.WrennDir, credentials.TeamId, stopToken).ConfigureAwait(false);
        var token = registered is null
            ? await enrollment.NewRegistrationTokenAsync(credentials, stopToken).ConfigureAwait(false)
            : await enrollment.RenewRegistrationTokenAsync(credentials, registered, stopToken).ConfigureAwait(false);
        return ["--register", token, "--address", address, "--cp-url", apiUrl];
    }

    /// <summary>Waits until the control plane answers HTTP at all (its /health says 503 until a host joins).</summary>
    private async Task WaitUntilListeningAsync(string apiUrl, ChildProcess controlPlane, CancellationToken stopToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (controlPlane.HasExited)
            {
                throw new InvalidOperationException($"the control plane exited with {controlPlane.ExitCode} while starting. Last log lines:\n{await controlPlane.LogTailAfterExitAsync().ConfigureAwait(false)}");
            }

            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
                probe.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await http.GetAsync(new Uri(new Uri(apiUrl), "/health"), probe.Token).ConfigureAwait(false);
                if (File.Exists(BootstrapCredentials.PathIn(options.WrennDir)))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !stopToken.IsCancellationRequested))
            {
                // Not listening yet.
            }

            await Task.Delay(50, stopToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"the control plane did not start within {ReadyTimeout.TotalSeconds:F0} s. Last log lines:\n{controlPlane.LogTail()}");
    }

    /// <summary>
    /// Ready means this agent listens (it does so only after cleaning up after an earlier run) and the
    /// control plane counts a live host. Either alone can mislead: after a restart the control plane
    /// still remembers the previous agent's last heartbeat.
    /// </summary>
    private async Task<string?> WaitUntilReadyAsync(string apiUrl, ListenAddress agentListen, ChildProcess agent, ChildProcess controlPlane, CancellationToken stopToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            foreach (var child in new[] { agent, controlPlane })
            {
                if (child.HasExited)
                {
                    await StopAsync(agent, controlPlane).ConfigureAwait(false);
                    return $"{child.Name} exited with {child.ExitCode} while starting. Last log lines:\n{await child.LogTailAfterExitAsync().ConfigureAwait(false)}";
                }
            }

            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
                probe.CancelAfter(TimeSpan.FromSeconds(2));
                if (await AcceptsConnectionsAsync(agentListen, probe.Token).ConfigureAwait(false))
                {
                    using var response = await http.GetAsync(new Uri(new Uri(apiUrl), "/health"), probe.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return null;
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !stopToken.IsCancellationRequested))
            {
                // Not listening yet.
            }

            await Task.Delay(100, stopToken).ConfigureAwait(false);
        }

        await StopAsync(agent, controlPlane).ConfigureAwait(false);
        return $"the platform was not ready within {ReadyTimeout.TotalSeconds:F0} s. Control plane log:\n{controlPlane.LogTail()}\nAgent log:\n{agent.LogTail()}";
    }

    /// <summary>
    /// One sentence naming the first address something else already listens on (and what, when it can
    /// be seen), or null when all are free. Checked before starting anything, so a leftover process
    /// gives this line rather than a child's bind stack trace.
    /// </summary>
    private static string? PortsInUse(params (string Name, ListenAddress Address)[] addresses)
    {
        foreach (var (name, address) in addresses)
        {
            if (address.Port == 0 || PortOwner.IsFree(address))
            {
                continue;
            }

            var owner = PortOwner.Find(address.Port);
            return owner is null
                ? $"{address} (the {name}'s address) is already in use; free it or choose another address (wrenn up --help)"
                : $"{address} (the {name}'s address) is already in use by {owner}{(owner.IsWrenn ? ", left from an earlier wrenn up" : string.Empty)}; stop it (sudo kill {owner.Pid}) or choose another address (wrenn up --help)";
        }

        return null;
    }

    private static async Task<bool> AcceptsConnectionsAsync(ListenAddress address, CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            var host = address.IsAnyHost ? "127.0.0.1" : address.Host;
            await client.ConnectAsync(host, address.Port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private async Task<int> StopAsync(ChildProcess agent, ChildProcess controlPlane)
    {
        // Control plane first, so nothing new reaches the agent while it destroys sandboxes.
        var failures = new List<string>();
        foreach (var (child, grace) in new[] { (controlPlane, ControlPlaneStopGrace), (agent, AgentStopGrace) })
        {
            if (await child.StopAsync(grace).ConfigureAwait(false) is { } failure)
            {
                failures.Add($"wrenn up: {child.Name} {failure}; what it made may be left on this machine. Last log lines:\n{child.LogTail()}");
            }
        }

        foreach (var failure in failures)
        {
            await Console.Error.WriteLineAsync(failure).ConfigureAwait(false);
        }

        output.WriteLine(failures.Count == 0 ? "wrenn up: stopped" : "wrenn up: stopped, not cleanly");
        return failures.Count == 0 ? 0 : 1;
    }
}
