namespace Wrenn.ControlPlane.Scheduling;

/// <summary>Registers the scheduler, its placement lock and host draining (with the background pass that empties draining hosts).</summary>
public static class SchedulingServices
{
    public static IServiceCollection AddScheduling(this IServiceCollection services, ControlPlaneOptions options)
    {
        services.AddSingleton<IPlacementLock>(new PlacementLock(acrossReplicas: options.DatabaseUrl is not null));
        services.AddSingleton<HostPools>();
        services.AddScoped<HostScheduler>();
        services.AddScoped<HostDraining>();
        services.AddScoped<HostDrainPass>();
        services.AddSingleton<HostDrainer>();
        services.AddHostedService(sp => sp.GetRequiredService<HostDrainer>());
        return services;
    }
}
