using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// An agent's heartbeats, sent by a test: registers a host, then beats (more often than the interval,
/// so a slow machine never makes it look silent) until <see cref="Stop"/>; <see cref="Start"/> begins
/// again with the last host token it was given, as an agent that comes back does.
/// </summary>
public sealed class HostHeartbeats : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private readonly RunningControlPlane _plane;
    private string _hostToken;
    private CancellationTokenSource? _beating;
    private Task _loop = Task.CompletedTask;

    private HostHeartbeats(RunningControlPlane plane, string hostId, string hostToken)
    {
        _plane = plane;
        HostId = hostId;
        _hostToken = hostToken;
    }

    public string HostId { get; }

    /// <summary>When the control plane last accepted a heartbeat (UTC).</summary>
    public DateTime LastBeatAt { get; private set; }

    /// <summary>Adds a host at <paramref name="address"/>, registers it and starts beating.</summary>
    public static async Task<HostHeartbeats> RegisterAsync(RunningControlPlane plane, string adminToken, string address)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/hosts");
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var created = await plane.Http.SendAsync(create, TestContext.Current.CancellationToken);
        created.EnsureSuccessStatusCode();
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("registration_token").GetString();
        using var register = await plane.Http.PostAsJsonAsync("/v1/hosts/register", new { token, address }, TestContext.Current.CancellationToken);
        register.EnsureSuccessStatusCode();
        var registered = await register.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var beats = new HostHeartbeats(plane, registered.GetProperty("host_id").GetString()!, registered.GetProperty("host_token").GetString()!);
        await beats.StartAsync();
        return beats;
    }

    /// <summary>Beats once now (so the host is ready when this returns), then keeps beating.</summary>
    public async Task StartAsync()
    {
        await BeatAsync(CancellationToken.None);
        _beating = new CancellationTokenSource();
        var stop = _beating.Token;
        _loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Period, stop);
                    await BeatAsync(stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>Stops beating: the agent died or its network went.</summary>
    public async Task StopAsync()
    {
        if (_beating is { } beating)
        {
            await beating.CancelAsync();
            await _loop;
            beating.Dispose();
            _beating = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        using var beat = new HttpRequestMessage(HttpMethod.Post, $"/v1/hosts/{HostId}/heartbeat") { Content = JsonContent.Create(new { }) };
        beat.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _hostToken);
        using var answer = await _plane.Http.SendAsync(beat, cancellationToken);
        answer.EnsureSuccessStatusCode();
        _hostToken = (await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("host_token").GetString()!;
        LastBeatAt = DateTime.UtcNow;
    }
}
