namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's REST API beside /v1 on the same port (the paths do not collide), so that the unmodified e2b
/// SDKs work against Wrenn with E2B_API_URL and E2B_API_KEY. Handlers only map HTTP onto the sandbox
/// service; docs/e2b.md lists what is served and what is not.
/// </summary>
public static class E2bApi
{
    public static void MapE2bApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty).AddEndpointFilter<E2bAuthFilter>();
        group.MapE2bSandboxesApi();
        group.MapE2bLifecycleApi();
        group.MapE2bMetricsApi();
        group.MapE2bSnapshotsApi();
    }
}
