using System.Net;
using System.Text;
using System.Text.Json;

namespace Wrenn.Agent.Tests.Runtimes.Firecracker.Api;

/// <summary>
/// The fake itself, with hand-written requests: it must refuse what Firecracker refuses, or the client
/// tests against it would prove nothing.
/// </summary>
public sealed class FakeFirecrackerTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wrenn-fc-fake-").FullName;
    private FakeFirecracker _fake = null!;
    private HttpClient _http = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeFirecracker.StartAsync(Path.Combine(_dir, "api.sock"), Token);
        _fake.CheckHostPaths = false;
        _http = UnixSocketHttp.Create(_fake.SocketPath);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string, string, string?, string> MalformedRequests() => new()
    {
        // method, path, body (null: none), part of the fault message
        { "PUT", "/boot-source", """{"kernel_image_path":"/k","kernel_args":"quiet"}""", "unknown field `kernel_args`" },
        { "PUT", "/boot-source", """{"boot_args":"quiet"}""", "missing field `kernel_image_path`" },
        { "PUT", "/boot-source", """{"kernel_image_path":42}""", "expected a string" },
        { "PUT", "/boot-source", """{"kernel_image_path":null}""", "null" },
        { "PUT", "/boot-source", """["/k"]""", "expected a JSON object" },
        { "PUT", "/boot-source", """{"kernel_image_path":"/k" """, "not JSON" },
        { "PUT", "/machine-config", """{"vcpu_count":"2","mem_size_mib":128}""", "expected an integer" },
        { "PUT", "/machine-config", """{"vcpu_count":1.5,"mem_size_mib":128}""", "expected an integer" },
        { "PUT", "/machine-config", """{"vcpu_count":33,"mem_size_mib":128}""", "expected between 1 and 32" },
        { "PUT", "/machine-config", """{"vcpu_count":1,"mem_size_mib":-1}""", "expected at least 0" },
        { "PUT", "/machine-config", """{"vcpu_count":1,"mem_size_mib":128,"track_dirty_pages":"yes"}""", "expected a boolean" },
        { "PUT", "/machine-config", """{"vcpu_count":1,"mem_size_mib":128,"huge_pages":"1G"}""", "unknown variant `1G`" },
        { "PUT", "/actions", """{"action_type":"Start"}""", "unknown variant `Start`" },
        { "PUT", "/actions", """{"action_type":"instancestart"}""", "unknown variant" },
        { "PUT", "/actions", "{}", "missing field `action_type`" },
        { "PATCH", "/vm", """{"state":"Pause"}""", "unknown variant `Pause`" },
        { "PATCH", "/vm", """{"state":"Paused","force":true}""", "unknown field `force`" },
        { "PUT", "/drives/rootfs", """{"drive_id":"other","path_on_host":"/r","is_root_device":true,"is_read_only":false}""", FakeFirecracker.DriveIdMismatch },
        { "PUT", "/drives/rootfs", """{"drive_id":"rootfs","path_on_host":"/r","is_read_only":false}""", "missing field `is_root_device`" },
        { "PUT", "/drives/rootfs", """{"drive_id":"rootfs","path_on_host":"/r","is_root_device":true,"is_read_only":false,"cache_type":"None"}""", "unknown variant `None`" },
        { "PUT", "/drives/rootfs", """{"drive_id":"rootfs","path_on_host":"/r","is_root_device":true}""", "needs path_on_host and is_read_only" },
        { "PUT", "/drives/", """{"drive_id":"","path_on_host":"/r","is_root_device":true,"is_read_only":false}""", "The ID cannot be empty." },
        { "PUT", "/drives/a-b", """{"drive_id":"a-b","path_on_host":"/r","is_root_device":true,"is_read_only":false}""", "alphanumeric characters and underscores" },
        { "PUT", "/network-interfaces/eth0", """{"iface_id":"eth1","host_dev_name":"tap0"}""", "does not match the id from the body" },
        { "PUT", "/network-interfaces/eth0", """{"iface_id":"eth0"}""", "missing field `host_dev_name`" },
        { "PUT", "/network-interfaces/eth0", """{"iface_id":"eth0","host_dev_name":"tap0","mtu":20}""", "expected between 68 and 65535" },
        { "PUT", "/snapshot/create", """{"snapshot_path":"/s"}""", "missing field `mem_file_path`" },
        { "PUT", "/snapshot/create", """{"snapshot_path":"/s","mem_file_path":"/m","snapshot_type":"Incremental"}""", "unknown variant `Incremental`" },
        { "PUT", "/snapshot/load", """{"snapshot_path":"/s","mem_file_path":"/m","mem_backend":{"backend_type":"File","backend_path":"/m"}}""", "too many fields" },
        { "PUT", "/snapshot/load", """{"snapshot_path":"/s"}""", "either `mem_backend` or `mem_file_path` is required" },
        { "PUT", "/snapshot/load", """{"snapshot_path":"/s","mem_backend":{"backend_type":"uffd","backend_path":"/u"}}""", "unknown variant `uffd`" },
        { "PUT", "/snapshot/load", """{"snapshot_path":"/s","mem_backend":{"backend_type":"Uffd"}}""", "missing field `backend_path`" },
        { "PUT", "/snapshot/load", """{"snapshot_path":"/s","mem_backend":{"backend_type":"Uffd","backend_path":"/u","lazy":true}}""", "unknown field `lazy`" },
        { "PUT", "/snapshot/delete", """{"snapshot_path":"/s"}""", "Invalid request method and/or path: PUT /snapshot/delete." },
        { "PUT", "/snapshot", """{"snapshot_path":"/s"}""", "Missing snapshot operation type." },
        { "PUT", "/logger", """{"log_path":"/l","level":"Verbose"}""", "unknown variant `Verbose`" },
        { "PUT", "/metrics", "{}", "missing field `metrics_path`" },
        { "PUT", "/vsock", """{"guest_cid":2,"uds_path":"/v"}""", "expected at least 3" },
        { "PUT", "/entropy", """{"rate_limiter":{"bandwidth":{"size":1}}}""", "missing field `refill_time`" },
        { "PUT", "/machines", """{"vcpu_count":1}""", "Invalid request method and/or path: PUT machines." },
        { "POST", "/actions", """{"action_type":"InstanceStart"}""", "Invalid request method and/or path: POST actions." },
        { "PATCH", "/boot-source", """{"kernel_image_path":"/k"}""", "Invalid request method and/or path: PATCH boot-source." },
        { "GET", "/snapshot", null, "Invalid request method and/or path: GET snapshot." },
        { "GET", "/", "{}", "GET request cannot have a body." },
        { "PUT", "/boot-source", null, "Empty PUT request." },
        { "PATCH", "/vm", null, "Empty PATCH request." },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Refuses_a_request_the_api_would_refuse(string method, string path, string? body, string expectedFault)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fault = await FaultAsync(response);
        Assert.Contains(expectedFault, fault, StringComparison.Ordinal);
        Assert.Empty(_fake.Accepted);
        Assert.Equal(FakeVmState.NotStarted, _fake.State);
    }

    [Fact]
    public async Task Sees_a_chunked_body_as_no_body_as_firecrackers_http_server_does()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/boot-source")
        {
            Content = new StringContent("""{"kernel_image_path":"/k"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _http.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Empty PUT request.", await FaultAsync(response));
    }

    [Fact]
    public async Task Accepts_the_same_calls_when_they_are_well_formed()
    {
        (string Method, string Path, string Body)[] calls =
        [
            ("PUT", "/logger", """{"log_path":"/l","level":"warning","show_level":true}"""),
            ("PUT", "/machine-config", """{"vcpu_count":2,"mem_size_mib":256,"smt":false,"track_dirty_pages":true}"""),
            ("PUT", "/boot-source", """{"kernel_image_path":"/k","boot_args":"quiet"}"""),
            ("PUT", "/drives/rootfs", """{"drive_id":"rootfs","path_on_host":"/r","is_root_device":true,"is_read_only":false,"cache_type":"Unsafe"}"""),
            ("PUT", "/network-interfaces/eth0", """{"iface_id":"eth0","host_dev_name":"tap0","guest_mac":"06:00:AC:10:00:02"}"""),
            ("PUT", "/entropy", "{}"),
            ("PUT", "/actions", """{"action_type":"InstanceStart"}"""),
            ("PATCH", "/vm", """{"state":"Paused"}"""),
            ("PUT", "/snapshot/create", """{"snapshot_type":"Diff","snapshot_path":"/s","mem_file_path":"/m"}"""),
            ("PATCH", "/vm", """{"state":"Resumed"}"""),
        ];

        foreach (var (method, path, body) in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await _http.SendAsync(request, Token);
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        }

        Assert.Equal(calls.Select(c => $"{c.Method} {c.Path}"), _fake.Accepted.Select(r => r.ToString()));
        Assert.Equal(FakeVmState.Running, _fake.State);
    }

    [Fact]
    public async Task A_snapshot_load_is_refused_after_a_boot_resource_but_not_after_logger_and_metrics()
    {
        Assert.Equal(HttpStatusCode.NoContent, await PutAsync("/logger", """{"log_path":"/l"}"""));
        Assert.Equal(HttpStatusCode.NoContent, await PutAsync("/metrics", """{"metrics_path":"/m"}"""));
        Assert.Equal(HttpStatusCode.NoContent, await PutAsync("/snapshot/load", """{"snapshot_path":"/s","mem_backend":{"backend_type":"File","backend_path":"/m"},"resume_vm":true}"""));
        Assert.Equal(FakeVmState.Running, _fake.State);

        await using var other = await FakeFirecracker.StartAsync(Path.Combine(_dir, "other.sock"), Token);
        other.CheckHostPaths = false;
        using var http = UnixSocketHttp.Create(other.SocketPath);
        using var entropy = await http.PutAsync("/entropy", new StringContent("{}", Encoding.UTF8, "application/json"), Token);
        using var load = await http.PutAsync("/snapshot/load", new StringContent("""{"snapshot_path":"/s","mem_file_path":"/m"}""", Encoding.UTF8, "application/json"), Token);
        Assert.Equal(FakeFirecracker.LoadAfterConfiguration, await FaultAsync(load));
    }

    private async Task<HttpStatusCode> PutAsync(string path, string body)
    {
        using var response = await _http.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Token);
        return response.StatusCode;
    }

    private static async Task<string> FaultAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        return document.RootElement.GetProperty("fault_message").GetString()!;
    }
}
