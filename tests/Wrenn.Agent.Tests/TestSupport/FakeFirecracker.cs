using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A stand-in for Firecracker's API server on a unix socket that refuses (400 + fault_message) whatever
/// the real one would refuse for the calls Wrenn makes: unknown paths and methods, bodies that do not
/// fit the swagger (<see cref="FirecrackerApiContract"/>), mismatched ids, pre-boot calls after the
/// start, post-boot calls before it, a snapshot of a running VM, a diff snapshot without dirty-page
/// tracking, a snapshot load into a process that was already configured, a body sent chunked (micro_http
/// reads bodies by Content-Length only, so it sees an empty request). It keeps the VM state
/// (NotStarted → Running ⇄ Paused) and a log of what it accepted. It does not boot anything.
/// </summary>
public sealed partial class FakeFirecracker : IAsyncDisposable
{
    public const string NotAfterStart = "The requested operation is not supported after starting the microVM.";
    public const string NotBeforeStart = "The requested operation is not supported before starting the microVM.";
    public const string LoadAfterConfiguration = "Loading a microVM snapshot not allowed after configuring boot-specific resources.";
    public const string DiffWithoutTracking = "Diff snapshots are not allowed on uVMs with dirty page tracking disabled.";
    public const string SnapshotWhileRunning = "Cannot save the microVM state: the microVM must be paused (save/restore unavailable while running).";
    public const string DeserializePrefix = "An error occurred when deserializing the json body of a request: ";
    public const string DriveIdMismatch = "The id from the path does not match the id from the body!";

    private static readonly string[] OtherDocumentedPut = ["balloon", "cpu-config", "pmem", "serial", "mmds", "hotplug"];
    private static readonly string[] OtherDocumentedPatch = ["balloon", "drives", "machine-config", "mmds", "network-interfaces", "pmem", "hotplug"];
    private static readonly string[] OtherDocumentedGet = ["balloon", "vm", "machine-config", "mmds", "hotplug"];
    private static readonly string[] DocumentedDelete = ["drives", "pmem", "network-interfaces"];

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<FakeFirecrackerRequest> _accepted = [];
    private readonly List<FakeFirecrackerRejection> _rejected = [];
    private readonly Dictionary<string, bool> _drives = [];
    private readonly Dictionary<string, string?> _interfaces = [];
    private readonly SemaphoreSlim _heldArrivals = new(0);
    private TaskCompletionSource? _hold;
    private FakeVmState _state = FakeVmState.NotStarted;
    private bool _started;
    private bool _bootPath;
    private bool _hasBootSource;
    private bool _metricsConfigured;
    private bool _trackDirtyPages;

    private FakeFirecracker(WebApplication app, string socketPath)
    {
        _app = app;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>Check that the host paths in bodies exist, as Firecracker does when it opens them. On by default.</summary>
    public bool CheckHostPaths { get; set; } = true;

    /// <summary>"METHOD /path" of a request to refuse once (after its body passed the contract), as a real failure would; null for none.</summary>
    public string? FailNext { get; set; }

    /// <summary>
    /// A check of the host this fake stands on, run before the fake's own (e.g. that the drives a snapshot
    /// names still exist): a fault message refuses the request. Called under the fake's lock.
    /// </summary>
    public Func<FakeFirecrackerRequest, string?>? Precheck { get; set; }

    /// <summary>Told of every request once decided, with the fault it was refused with (null: accepted). Called under the fake's lock, in order.</summary>
    public Action<FakeFirecrackerRequest, string?>? Handled { get; set; }

    public FakeVmState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public IReadOnlyList<FakeFirecrackerRequest> Accepted
    {
        get
        {
            lock (_gate)
            {
                return [.. _accepted];
            }
        }
    }

    public IReadOnlyList<FakeFirecrackerRejection> Rejected
    {
        get
        {
            lock (_gate)
            {
                return [.. _rejected];
            }
        }
    }

    /// <summary>Starts listening on <paramref name="socketPath"/> (Kestrel on a unix socket).</summary>
    public static async Task<FakeFirecracker> StartAsync(string socketPath, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socketPath));
        var app = builder.Build();
        var fake = new FakeFirecracker(app, socketPath);
        app.Run(fake.HandleAsync);
        await app.StartAsync(cancellationToken);
        return fake;
    }

    /// <summary>From now on requests wait (after they arrived) until <see cref="ReleaseRequests"/>.</summary>
    public void HoldRequests()
    {
        lock (_gate)
        {
            _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseRequests()
    {
        TaskCompletionSource? hold;
        lock (_gate)
        {
            hold = _hold;
            _hold = null;
        }

        hold?.TrySetResult();
    }

    /// <summary>Completes once a request is being held by <see cref="HoldRequests"/>.</summary>
    public Task WaitForHeldRequestAsync(CancellationToken cancellationToken) => _heldArrivals.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        ReleaseRequests();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _heldArrivals.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var path = rawTarget.Split('?')[0];

        // micro_http knows only Content-Length bodies: a chunked one is no body at all to Firecracker.
        string? body = null;
        if (context.Request.ContentLength is > 0)
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        TaskCompletionSource? hold;
        lock (_gate)
        {
            hold = _hold;
        }

        if (hold is not null)
        {
            _heldArrivals.Release();
            await hold.Task.WaitAsync(context.RequestAborted);
        }

        string? fault;
        JsonObject? answer;
        lock (_gate)
        {
            answer = null;
            var request = new FakeFirecrackerRequest(method, path, body ?? string.Empty);
            var injected = FailNext == $"{method} {path}";
            fault = injected ? "fake Firecracker: injected failure" : Precheck?.Invoke(request) ?? Handle(method, path, body, out answer);
            if (injected)
            {
                FailNext = null;
            }

            Handled?.Invoke(request, fault);
            if (fault is null)
            {
                _accepted.Add(request);
            }
            else
            {
                _rejected.Add(new FakeFirecrackerRejection(method, path, body ?? string.Empty, fault));
            }
        }

        if (fault is not null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["fault_message"] = fault }.ToJsonString(), context.RequestAborted);
        }
        else if (answer is not null)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
    }

    /// <summary>Decides one request (under the lock); null means accepted (and applied).</summary>
    private string? Handle(string method, string path, string? body, out JsonObject? answer)
    {
        answer = null;

        // Like Firecracker: drop leading slashes, split on '/', ignore one trailing '/'.
        var tokens = path.TrimStart('/').Split('/').ToList();
        if (tokens.Count > 1 && tokens[^1].Length == 0)
        {
            tokens.RemoveAt(tokens.Count - 1);
        }

        var resource = tokens[0];
        var rest = tokens.Skip(1).ToList();
        var invalidPath = $"Invalid request method and/or path: {method} {resource}.";

        switch (method)
        {
            case "GET":
                if (body is not null)
                {
                    return "GET request cannot have a body.";
                }

                if (resource.Length == 0 && rest.Count == 0)
                {
                    answer = new JsonObject
                    {
                        ["id"] = "fake-firecracker",
                        ["state"] = _state switch { FakeVmState.NotStarted => "Not started", FakeVmState.Running => "Running", _ => "Paused" },
                        ["vmm_version"] = "1.13.0-fake",
                        ["app_name"] = "Firecracker",
                    };
                    return null;
                }

                if (resource == "version" && rest.Count == 0)
                {
                    answer = new JsonObject { ["firecracker_version"] = "1.13.0-fake" };
                    return null;
                }

                return OtherDocumentedGet.Contains(resource) ? NotModelled(method, path) : invalidPath;

            case "PUT" or "PATCH":
                if (body is null)
                {
                    return method == "PUT" ? "Empty PUT request." : "Empty PATCH request.";
                }

                if (method == "PATCH")
                {
                    return resource == "vm" && rest.Count == 0
                        ? PatchVm(body)
                        : OtherDocumentedPatch.Contains(resource) ? NotModelled(method, path) : invalidPath;
                }

                return resource switch
                {
                    "boot-source" when rest.Count == 0 => PutBootSource(body),
                    "drives" => WithId(rest, id => PutDrive(id, body)),
                    "network-interfaces" => WithId(rest, id => PutNetworkInterface(id, body)),
                    "machine-config" when rest.Count == 0 => PutMachineConfig(body),
                    "actions" when rest.Count == 0 => PutAction(body),
                    "snapshot" when rest.Count == 0 => "Missing snapshot operation type.",
                    "snapshot" when rest is ["create"] => PutSnapshotCreate(body),
                    "snapshot" when rest is ["load"] => PutSnapshotLoad(body),
                    "snapshot" => $"Invalid request method and/or path: PUT /snapshot/{string.Join('/', rest)}.",
                    "logger" when rest.Count == 0 => PutLogger(body),
                    "metrics" when rest.Count == 0 => PutMetrics(body),
                    "vsock" when rest.Count == 0 => PutVsock(body),
                    "entropy" when rest.Count == 0 => PutEntropy(body),
                    _ when OtherDocumentedPut.Contains(resource) => NotModelled(method, path),
                    _ => invalidPath,
                };

            case "DELETE":
                return DocumentedDelete.Contains(resource) ? NotModelled(method, path) : invalidPath;

            default:
                return invalidPath;
        }
    }

    private static string NotModelled(string method, string path) =>
        $"fake Firecracker: {method} {path} is in the API but not modelled by this fake";

    private static string? WithId(List<string> rest, Func<string, string?> handle)
    {
        if (rest.Count == 0 || rest[0].Length == 0)
        {
            return "The ID cannot be empty.";
        }

        if (rest.Count > 1)
        {
            return $"Invalid request method and/or path: unexpected path segments after the id {rest[0]}.";
        }

        return ResourceId().IsMatch(rest[0])
            ? handle(rest[0])
            : "API Resource IDs can only contain alphanumeric characters and underscores.";
    }

    /// <summary>Parses and checks the body's shape; on success <paramref name="root"/> is the body.</summary>
    private static string? Parse(string body, JsonObjectSchema schema, out JsonElement root)
    {
        root = default;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return DeserializePrefix + "not JSON: " + ex.Message + ".";
        }

        return schema.Validate(root) is { } error ? DeserializePrefix + error + "." : null;
    }

    private string? PreBoot()
    {
        return _started ? NotAfterStart : null;
    }

    private string? PostBoot()
    {
        return _started ? null : NotBeforeStart;
    }

    private string? MissingPath(string what, string? path)
    {
        if (!CheckHostPaths || path is null)
        {
            return null;
        }

        return File.Exists(path) ? null : $"{what}: cannot open {path}: No such file or directory (os error 2)";
    }

    private string? PutBootSource(string body)
    {
        if (Parse(body, FirecrackerApiContract.BootSource, out var root) is { } error)
        {
            return error;
        }

        if (PreBoot() is { } notNow)
        {
            return notNow;
        }

        if ((MissingPath("Invalid kernel path", root.GetProperty("kernel_image_path").GetString())
            ?? MissingPath("Invalid initrd path", OptionalString(root, "initrd_path"))) is { } missing)
        {
            return missing;
        }

        _bootPath = true;
        _hasBootSource = true;
        return null;
    }

    private string? PutDrive(string id, string body)
    {
        if (Parse(body, FirecrackerApiContract.Drive, out var root) is { } error)
        {
            return error;
        }

        if (root.GetProperty("drive_id").GetString() != id)
        {
            return DriveIdMismatch;
        }

        if (PreBoot() is { } notNow)
        {
            return notNow;
        }

        var vhostUser = root.TryGetProperty("socket", out _);
        var hasPath = root.TryGetProperty("path_on_host", out var pathOnHost);
        var hasReadOnly = root.TryGetProperty("is_read_only", out _);
        if (!vhostUser && !(hasPath && hasReadOnly))
        {
            return "Unable to create the block device: a virtio-block drive needs path_on_host and is_read_only.";
        }

        if (vhostUser && (hasPath || hasReadOnly))
        {
            return "Unable to create the block device: a vhost-user drive takes socket, not path_on_host or is_read_only.";
        }

        if (hasPath && MissingPath("Unable to create the block device", pathOnHost.GetString()) is { } missing)
        {
            return missing;
        }

        var isRoot = root.GetProperty("is_root_device").GetBoolean();
        if (isRoot && _drives.Any(d => d.Value && d.Key != id))
        {
            return "A root block device already exists!";
        }

        _drives[id] = isRoot;
        _bootPath = true;
        return null;
    }

    private string? PutNetworkInterface(string id, string body)
    {
        if (Parse(body, FirecrackerApiContract.NetworkInterface, out var root) is { } error)
        {
            return error;
        }

        var bodyId = root.GetProperty("iface_id").GetString();
        if (bodyId != id)
        {
            return $"The id from the path [{id}] does not match the id from the body [{bodyId}]!";
        }

        var mac = OptionalString(root, "guest_mac");
        if (mac is not null && !MacAddress().IsMatch(mac))
        {
            return DeserializePrefix + $"invalid MAC address `{mac}`.";
        }

        if (PreBoot() is { } notNow)
        {
            return notNow;
        }

        // A Linux interface name is at most 15 bytes; Firecracker cannot open a TAP with a longer one.
        var tap = root.GetProperty("host_dev_name").GetString()!;
        if (tap.Length is 0 or > 15)
        {
            return $"Cannot open TAP device {tap}: invalid name.";
        }

        if (mac is not null && _interfaces.Any(i => i.Key != id && string.Equals(i.Value, mac, StringComparison.OrdinalIgnoreCase)))
        {
            return $"The MAC address is already in use: {mac}";
        }

        _interfaces[id] = mac;
        _bootPath = true;
        return null;
    }

    private string? PutMachineConfig(string body)
    {
        if (Parse(body, FirecrackerApiContract.MachineConfiguration, out var root) is { } error)
        {
            return error;
        }

        if (PreBoot() is { } notNow)
        {
            return notNow;
        }

        var vcpus = root.GetProperty("vcpu_count").GetInt64();
        var smt = root.TryGetProperty("smt", out var smtValue) && smtValue.GetBoolean();
        if (smt && vcpus > 1 && vcpus % 2 == 1)
        {
            return "The vCPU number is invalid! The vCPU number can only be 1 or an even number when SMT is enabled.";
        }

        var memory = root.GetProperty("mem_size_mib").GetInt64();
        if (memory == 0)
        {
            return "The memory size (MiB) is invalid.";
        }

        if (OptionalString(root, "huge_pages") == "2M" && memory % 2 != 0)
        {
            return "The memory size (MiB) must be a multiple of 2 with 2M huge pages.";
        }

        // A PUT replaces the whole configuration: what is left out goes back to its default.
        _trackDirtyPages = root.TryGetProperty("track_dirty_pages", out var track) && track.GetBoolean();
        _bootPath = true;
        return null;
    }

    private string? PutAction(string body)
    {
        if (Parse(body, FirecrackerApiContract.InstanceActionInfo, out var root) is { } error)
        {
            return error;
        }

        switch (root.GetProperty("action_type").GetString())
        {
            case "InstanceStart":
                if (PreBoot() is { } notNow)
                {
                    return notNow;
                }

                if (!_hasBootSource)
                {
                    return "Start microvm error: cannot start a microVM without a kernel (PUT /boot-source first).";
                }

                _started = true;
                _state = FakeVmState.Running;
                return null;

            default:
                // FlushMetrics and SendCtrlAltDel need a running VMM.
                return PostBoot();
        }
    }

    private string? PatchVm(string body)
    {
        if (Parse(body, FirecrackerApiContract.Vm, out var root) is { } error)
        {
            return error;
        }

        if (PostBoot() is { } notNow)
        {
            return notNow;
        }

        _state = root.GetProperty("state").GetString() == "Paused" ? FakeVmState.Paused : FakeVmState.Running;
        return null;
    }

    private string? PutSnapshotCreate(string body)
    {
        if (Parse(body, FirecrackerApiContract.SnapshotCreateParams, out var root) is { } error)
        {
            return error;
        }

        if (PostBoot() is { } notNow)
        {
            return notNow;
        }

        if (_state != FakeVmState.Paused)
        {
            return SnapshotWhileRunning;
        }

        // Firecracker 1.13 and later fall back to mincore(2) here; this fake holds to the older, stricter rule
        // because Wrenn's diff snapshots must come from KVM's dirty log (mincore overcounts and breaks with swap).
        if (OptionalString(root, "snapshot_type") == "Diff" && !_trackDirtyPages)
        {
            return DiffWithoutTracking;
        }

        var snapshotPath = root.GetProperty("snapshot_path").GetString()!;
        var memoryPath = root.GetProperty("mem_file_path").GetString()!;
        if (CheckHostPaths)
        {
            foreach (var file in new[] { snapshotPath, memoryPath })
            {
                if (Path.GetDirectoryName(file) is not { } directory || !Directory.Exists(directory))
                {
                    return $"Cannot perform open on the snapshot backing file: {file}: No such file or directory (os error 2)";
                }
            }

            File.WriteAllText(snapshotPath, "fake firecracker vm state\n");
            WriteGuestMemory(memoryPath, full: OptionalString(root, "snapshot_type") != "Diff");
        }

        return null;
    }

    /// <summary>Bytes of guest memory the fake's memory files stand for.</summary>
    public const int GuestMemoryBytes = 8 << 20;

    /// <summary>Pages of guest memory the fake "wrote" so far, page index → byte it is filled with (what a memory file must hold).</summary>
    public Dictionary<int, byte> WrittenPages { get; set; } = [];

    /// <summary>
    /// Like Firecracker's memory files: as large as guest memory, a full one with every page the guest
    /// ever wrote, a diff one sparse with only the pages written since the last snapshot. Each snapshot
    /// "writes" one new page (index and fill from a per-fake counter, shared via <see cref="WrittenPages"/>).
    /// </summary>
    private void WriteGuestMemory(string path, bool full)
    {
        var page = (WrittenPages.Count * 7 + 3) % (GuestMemoryBytes / 4096);
        var fill = (byte)(WrittenPages.Count + 1);
        WrittenPages[page] = fill;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(GuestMemoryBytes);
        foreach (var (index, value) in full ? WrittenPages : new Dictionary<int, byte> { [page] = fill })
        {
            file.Position = (long)index * 4096;
            file.Write(Enumerable.Repeat(value, 4096).ToArray());
        }
    }

    private string? PutSnapshotLoad(string body)
    {
        if (Parse(body, FirecrackerApiContract.SnapshotLoadParams, out var root) is { } error)
        {
            return error;
        }

        var hasBackend = root.TryGetProperty("mem_backend", out var backend);
        var hasFile = root.TryGetProperty("mem_file_path", out var memoryFile);
        if (hasBackend && hasFile)
        {
            return DeserializePrefix + "too many fields: either `mem_backend` or `mem_file_path` exclusively is required.";
        }

        if (!hasBackend && !hasFile)
        {
            return DeserializePrefix + "missing field: either `mem_backend` or `mem_file_path` is required.";
        }

        if (PreBoot() is { } notNow)
        {
            return notNow;
        }

        if (_bootPath)
        {
            return LoadAfterConfiguration;
        }

        if (MissingPath("Failed to restore from snapshot: cannot open the snapshot file", root.GetProperty("snapshot_path").GetString()) is { } missingState)
        {
            return missingState;
        }

        if (CheckHostPaths)
        {
            var (type, memoryPath) = hasBackend
                ? (backend.GetProperty("backend_type").GetString(), backend.GetProperty("backend_path").GetString()!)
                : ("File", memoryFile.GetString()!);
            if (type == "File" && !File.Exists(memoryPath))
            {
                return $"Failed to restore from snapshot: cannot open the memory file {memoryPath}: No such file or directory (os error 2)";
            }

            // Firecracker connects to the page-fault handler's socket; nobody listening there fails the load.
            if (type == "Uffd" && !File.Exists(memoryPath))
            {
                return $"Failed to restore from snapshot: cannot connect to the UFFD handler socket {memoryPath}: No such file or directory (os error 2)";
            }
        }

        _trackDirtyPages = Flag(root, "track_dirty_pages") || Flag(root, "enable_diff_snapshots");
        _started = true;
        _state = Flag(root, "resume_vm") ? FakeVmState.Running : FakeVmState.Paused;
        return null;
    }

    private string? PutLogger(string body)
    {
        return Parse(body, FirecrackerApiContract.Logger, out _) ?? PreBoot();
    }

    private string? PutMetrics(string body)
    {
        if ((Parse(body, FirecrackerApiContract.Metrics, out _) ?? PreBoot()) is { } error)
        {
            return error;
        }

        if (_metricsConfigured)
        {
            return "Reinitialization of metrics not allowed.";
        }

        _metricsConfigured = true;
        return null;
    }

    private string? PutVsock(string body)
    {
        if ((Parse(body, FirecrackerApiContract.Vsock, out _) ?? PreBoot()) is { } error)
        {
            return error;
        }

        _bootPath = true;
        return null;
    }

    private string? PutEntropy(string body)
    {
        if ((Parse(body, FirecrackerApiContract.EntropyDevice, out _) ?? PreBoot()) is { } error)
        {
            return error;
        }

        _bootPath = true;
        return null;
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static bool Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.GetBoolean();

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ResourceId();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex MacAddress();
}
