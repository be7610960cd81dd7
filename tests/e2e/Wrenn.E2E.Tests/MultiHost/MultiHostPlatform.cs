using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// A control plane on PostgreSQL and several agents on this one machine, each agent in a network namespace of its own
/// on a bridge the test makes (<see cref="TestBridge"/>), so every call between control plane and agent crosses a real
/// network. Each agent has its own $WRENN_DIR, name prefix (wrenn-a-, wrenn-b-, …), slot range, cgroup parent and OCI
/// state directory (docs/multihost-testing.md). They join as any host does: an administrator's registration token
/// from POST /v1/hosts, then `wrenn-agent --register`. Disposing stops agents (which destroy their sandboxes) and control
/// plane by PID, then removes the network, the database server and every directory made.
/// </summary>
public sealed class MultiHostPlatform : IAsyncDisposable
{
    /// <summary>Where each agent listens on its own address (free in its own namespace, so all use the same).</summary>
    public const int AgentPort = 50051;

    private readonly List<HarnessProcess> _agents = [];
    private readonly string _root;
    private ThrowawayPostgres? _postgres;
    private TestBridge? _bridge;
    private HarnessProcess? _controlPlane;

    private MultiHostPlatform(string root)
    {
        _root = root;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(3) };
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(1) };
    }

    /// <summary>The control plane's API, on the bridge's address (known once the bridge is up).</summary>
    public Uri ApiUrl { get; private set; } = new("http://" + TestBridge.Gateway);

    /// <summary>Sends the first team's API key (set once the control plane is up).</summary>
    public HttpClient Http { get; }

    /// <summary>Sends the first administrator's session token.</summary>
    public HttpClient Admin { get; }

    public TestBridge Bridge => _bridge ?? throw new InvalidOperationException("not started");

    /// <summary>Each agent's name prefix, by host index.</summary>
    public static string NamePrefix(int index) => "wrenn-" + (char)('a' + index) + "-";

    /// <summary>Each agent's cgroup parent (its VMs' is this with -qemu), by host index.</summary>
    public static string CgroupParent(int index) => "/wrenn-mh-" + (char)('a' + index);

    /// <summary>Each agent's OCI state directory, by host index; under /run with "wrenn" in it, where leak-check looks.</summary>
    public static string OciStateDirectory(int index) => "/run/wrenn-mh-" + (char)('a' + index);

    /// <summary>Each agent's slot range: a /20 (2048 slots) of its own.</summary>
    public static string SlotCidr(int index) => $"10.90.{(16 * index).ToString(CultureInfo.InvariantCulture)}.0/20";

    /// <param name="controlPlaneSettings">Extra WRENN_* settings for the control plane (e.g. a short heartbeat interval).</param>
    public static async Task<MultiHostPlatform> StartAsync(int agents, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? controlPlaneSettings = null)
    {
        TestEnvironment.RequireBuildAndImage();
        var root = Directory.CreateTempSubdirectory("wrenn-multihost-").FullName;
        // Sandbox root (an unprivileged host id in its user namespace) must pass through to the bundles.
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        var platform = new MultiHostPlatform(root);
        try
        {
            platform._postgres = await ThrowawayPostgres.StartAsync(cancellationToken);
            platform._bridge = await TestBridge.CreateAsync(agents, cancellationToken);
            platform.ApiUrl = new Uri($"http://{TestBridge.Gateway}:{FreeTcpPort.On(IPAddress.Parse(TestBridge.Gateway)).ToString(CultureInfo.InvariantCulture)}");
            platform.Http.BaseAddress = platform.ApiUrl;
            platform.Admin.BaseAddress = platform.ApiUrl;
            await platform.StartControlPlaneAsync(controlPlaneSettings ?? new Dictionary<string, string>(), cancellationToken);
            for (var index = 0; index < agents; index++)
            {
                await platform.StartAgentAsync(index, cancellationToken);
            }

            await platform.WaitUntilHostsAreReadyAsync(agents, cancellationToken);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>The hosts as GET /v1/hosts shows them to an administrator.</summary>
    public async Task<IReadOnlyList<JsonElement>> HostsAsync(CancellationToken cancellationToken)
    {
        using var response = await Admin.GetAsync(new Uri("/v1/hosts", UriKind.Relative), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET /v1/hosts answered {(int)response.StatusCode}: {text}\n{Logs()}");
        }

        return [.. JsonDocument.Parse(text).RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.Clone())];
    }

    /// <summary>The $WRENN_DIR of agent <paramref name="index"/> (0 = a).</summary>
    public string AgentDirectory(int index) => Path.Combine(_root, "agent-" + (char)('a' + index));

    /// <summary>
    /// The sandboxes agent <paramref name="index"/> holds containers for now (running or paused), as its OCI runtime
    /// keeps them: one directory per container (named wrenn-&lt;sandbox id&gt;) in its own state directory. This is the
    /// host's own view, not the control plane's, so a test can check that no sandbox is on two hosts at once.
    /// </summary>
    public IReadOnlySet<string> ContainersOn(int index)
    {
        const string prefix = "wrenn-";
        var root = OciStateDirectory(index);
        try
        {
            return Directory.EnumerateDirectories(root)
                .Select(Path.GetFileName)
                .Where(name => name is not null && name.StartsWith(prefix, StringComparison.Ordinal))
                .Select(name => name![prefix.Length..])
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (DirectoryNotFoundException)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>The last lines of every daemon's output, for failure messages.</summary>
    public string Logs() => string.Join('\n', new[] { _controlPlane }.Concat(_agents).OfType<HarnessProcess>().Select(p => p.Tail));

    /// <summary>Stops every agent (each destroys its sandboxes: --destroy-on-stop), so what they left can be looked at.</summary>
    public async Task StopAgentsAsync()
    {
        await Task.WhenAll(_agents.Select(a => a.StopAsync(TimeSpan.FromMinutes(2))));
    }

    /// <summary>
    /// What is left inside the host namespaces that is named like an agent's (veths, iptables chains): deleting those
    /// namespaces would remove it unseen, so a test asks before the network goes.
    /// </summary>
    public async Task<IReadOnlyList<string>> LeftInHostNamespacesAsync()
    {
        var left = new List<string>();
        foreach (var name in Bridge.Namespaces)
        {
            var (_, links) = await HarnessCommand.RunQuietlyAsync("ip", ["-n", name, "-o", "link", "show"]);
            left.AddRange(links.Split('\n').Where(l => l.Contains("wrenn", StringComparison.OrdinalIgnoreCase)).Select(l => $"{name}: link {l.Trim()}"));
            foreach (var save in new[] { "iptables-save", "ip6tables-save" })
            {
                var (_, rules) = await HarnessCommand.RunQuietlyAsync("ip", ["netns", "exec", name, save]);
                left.AddRange(rules.Split('\n').Where(l => (l.StartsWith(':') || l.StartsWith("-A ", StringComparison.Ordinal)) && l.Contains("WRENN", StringComparison.OrdinalIgnoreCase)).Select(l => $"{name}: {save} {l.Trim()}"));
            }
        }

        return left;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAgentsAsync();
        if (_agents.Count > 0)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(Logs());
        }

        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        var started = _agents.Count;
        _agents.Clear();
        if (_controlPlane is not null)
        {
            await _controlPlane.DisposeAsync();
            _controlPlane = null;
        }

        if (_bridge is not null)
        {
            await _bridge.DisposeAsync();
        }

        // After a failed run, sandbox namespaces an agent did not remove (the prefixes are the harness's alone); a
        // passing test has already found none (MultiHostTests looks before disposing).
        var (_, namespaces) = await HarnessCommand.RunQuietlyAsync("ip", ["netns", "list"]);
        foreach (var name in namespaces.Split('\n').Select(l => l.Split(' ')[0]))
        {
            if (Enumerable.Range(0, started).Any(index => name.StartsWith(NamePrefix(index), StringComparison.Ordinal)))
            {
                await HarnessCommand.RunQuietlyAsync("ip", ["netns", "delete", name]);
            }
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
            _postgres = null;
        }

        Http.Dispose();
        Admin.Dispose();
        for (var index = 0; index < started; index++)
        {
            // An agent's empty cgroup parents (runc makes one per v1 hierarchy and never removes it) and its OCI state directory.
            foreach (var parent in new[] { CgroupParent(index), CgroupParent(index) + "-qemu" })
            {
                foreach (var hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup").Prepend("/sys/fs/cgroup"))
                {
                    TryRemoveDirectory(hierarchy + parent);
                }
            }

            if (Directory.Exists(OciStateDirectory(index)) && !Directory.EnumerateFileSystemEntries(OciStateDirectory(index), "*", SearchOption.AllDirectories).Any(f => f.EndsWith("state.json", StringComparison.Ordinal)))
            {
                Directory.Delete(OciStateDirectory(index), recursive: true);
            }
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static void TryRemoveDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path);
            }
        }
        catch (IOException)
        {
            // Not empty: a leftover the leak check reports.
        }
    }

    private async Task StartControlPlaneAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var wrennDir = Directory.CreateDirectory(Path.Combine(_root, "control-plane")).FullName;
        var environment = new Dictionary<string, string>(settings)
        {
            ["DATABASE_URL"] = _postgres!.Url,
            ["WRENN_DIR"] = wrennDir,
            ["WRENN_CP_LISTEN_ADDR"] = ApiUrl.Authority,
            ["WRENN_CP_URL"] = ApiUrl.ToString().TrimEnd('/'),
            ["WRENN_CP_METRICS_LISTEN_ADDR"] = "off",
        };
        _controlPlane = HarnessProcess.Start("control plane", Path.Combine(TestEnvironment.Builds, "wrenn-cp"), [], environment);

        var credentials = Path.Combine(wrennDir, "admin-credentials.json");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (_controlPlane.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the control plane did not come up on {ApiUrl}:\n{Logs()}");
            }

            if (File.Exists(credentials))
            {
                try
                {
                    using var health = await Admin.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                    break;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(credentials, cancellationToken));
        var admin = document.RootElement;
        Http.DefaultRequestHeaders.Add("X-API-Key", admin.GetProperty("api_key").GetString());
        using var login = await Admin.PostAsJsonAsync("/v1/auth/login", new Dictionary<string, string> { ["email"] = admin.GetProperty("email").GetString()!, ["password"] = admin.GetProperty("password").GetString()! }, cancellationToken);
        var session = await ReadAsync(login, "log in as the first administrator", cancellationToken);
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
    }

    private async Task StartAgentAsync(int index, CancellationToken cancellationToken)
    {
        using var created = await Admin.PostAsync(new Uri("/v1/hosts", UriKind.Relative), null, cancellationToken);
        var host = await ReadAsync(created, "add a host", cancellationToken);
        var wrennDir = Directory.CreateDirectory(Path.Combine(_root, "agent-" + (char)('a' + index))).FullName;
        Directory.CreateSymbolicLink(Path.Combine(wrennDir, "images"), TestEnvironment.Images);
        var address = $"{TestBridge.HostAddress(index)}:{AgentPort.ToString(CultureInfo.InvariantCulture)}";

        // nsenter switches only the network namespace and execs the agent (so its PID is the agent's). `ip netns exec`
        // would also remount /sys for the namespace, hiding /sys/fs/cgroup, which runc needs.
        _agents.Add(HarnessProcess.Start(
            "agent " + (char)('a' + index),
            "nsenter",
            ["--net=/run/netns/" + Bridge.Namespaces[index], "--", Path.Combine(TestEnvironment.Builds, "wrenn-agent"),
             "--register", host.GetProperty("registration_token").GetString()!, "--address", address, "--cp-url", ApiUrl.ToString().TrimEnd('/'), "--destroy-on-stop"],
            new Dictionary<string, string>
            {
                ["WRENN_DIR"] = wrennDir,
                ["WRENN_HOST_LISTEN_ADDR"] = address,
                ["WRENN_RUNTIME"] = "container",
                ["WRENN_NAME_PREFIX"] = NamePrefix(index),
                ["WRENN_SLOT_CIDR"] = SlotCidr(index),
                ["WRENN_CGROUP_PARENT"] = CgroupParent(index),
                ["WRENN_OCI_STATE_DIR"] = OciStateDirectory(index),
                // As the shared e2e platform: no resolver (sandboxes must not reach out), small disks, a low process cap.
                ["WRENN_SANDBOX_NAMESERVERS"] = "none",
                ["WRENN_SANDBOX_DISK_MB"] = "512",
                ["WRENN_SANDBOX_PIDS_LIMIT"] = "512",
            }));
    }

    private async Task WaitUntilHostsAreReadyAsync(int count, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            // A host is "ready" from its first heartbeat, which an agent sends once its gRPC server listens: the tests
            // create sandboxes at once, so they would fail (502 host_unavailable) if ready came before the port opened.
            var hosts = await HostsAsync(cancellationToken);
            if (hosts.Count(h => h.GetProperty("state").GetString() == "ready") == count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline || _agents.Any(a => a.HasExited))
            {
                throw new InvalidOperationException($"{count} hosts did not become ready: {string.Join(", ", hosts.Select(h => h.ToString()))}\n{Logs()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"could not {what} ({(int)response.StatusCode}): {text}\n{Logs()}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
