using System.Net.Http.Headers;
using System.Net.Http.Json;
using Polly;
using Polly.Retry;

namespace Wrenn.Agent.Registration;

/// <summary>The agent's calls to the control plane: registration (retried while the control plane starts) and heartbeats.</summary>
public sealed class ControlPlaneClient(HttpClient http, ILogger<ControlPlaneClient> logger)
{
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            // Only "could not reach it": a refused token stays refused.
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(e => e.StatusCode is null),
            MaxRetryAttempts = 8,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(250),
            UseJitter = true,
        })
        .Build();

    /// <summary>Exchanges a registration token for the host's credentials.</summary>
    public async Task<RegisterResponseMessage> RegisterAsync(Uri controlPlane, RegisterRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await _retry.ExecuteAsync(
            async ct => await http.PostAsJsonAsync(new Uri(controlPlane, "/v1/hosts/register"), request, RegistrationJsonContext.Default.RegisterRequestMessage, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"the control plane refused the registration ({(int)response.StatusCode}): {text}");
        }

        return await response.Content.ReadFromJsonAsync(RegistrationJsonContext.Default.RegisterResponseMessage, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the control plane answered the registration with nothing");
    }

    /// <summary>Sends one heartbeat; returns the control plane's answer, or null when it failed.</summary>
    public async Task<HeartbeatResponseMessage?> HeartbeatAsync(HostCredentials credentials, HeartbeatRequestMessage heartbeat, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(credentials.ControlPlaneUrl), $"/v1/hosts/{credentials.HostId}/heartbeat"))
        {
            Content = JsonContent.Create(heartbeat, RegistrationJsonContext.Default.HeartbeatRequestMessage),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credentials.HostToken);
        try
        {
            using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                logger.HostTokenRefused(
                    await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false),
                    credentials.HostId);
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                logger.HeartbeatRefused((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                return null;
            }

            return await response.Content.ReadFromJsonAsync(RegistrationJsonContext.Default.HeartbeatResponseMessage, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A control plane that does not answer in time (a cut network drops packets rather than refusing them)
            // is a missed heartbeat like one that refuses the connection, never the end of the agent.
            logger.HeartbeatFailed(credentials.ControlPlaneUrl, ex.Message);
            return null;
        }
    }
}
