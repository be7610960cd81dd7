using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Registers the sandbox service, its parts, the waker, activity and the agent gateway.</summary>
public static class SandboxServiceCollectionExtensions
{
    public static IServiceCollection AddSandboxService(this IServiceCollection services)
    {
        services.AddSingleton<IAgentGateway, AgentGateway>();
        services.AddSingleton<SandboxWaker>();
        services.AddSingleton<ISandboxWaker>(sp => sp.GetRequiredService<SandboxWaker>());
        services.AddSingleton<ISandboxActivity, SandboxActivity>();
        services.AddScoped<ISandboxService, SandboxService>();
        services.AddSingleton<Data.AdmissionQueries>();
        services.AddScoped<SandboxLookup>();
        services.AddScoped<SandboxPlacement>();
        services.AddScoped<SandboxProvisioner>();
        services.AddScoped<SandboxCreator>();
        services.AddScoped<SandboxKiller>();
        services.AddScoped<SandboxPauser>();
        services.AddScoped<SandboxResumer>();
        services.AddScoped<ISandboxMover, SandboxMover>();
        services.AddScoped<SandboxLifecycle>();
        services.AddScoped<SandboxSettings>();
        services.AddScoped<SandboxLister>();
        services.AddScoped<SandboxWorkGate>();
        services.AddScoped<SandboxQueries>();
        services.AddScoped<SandboxEndTimes>();
        services.AddScoped<TemplateCreator>();
        services.AddScoped<TemplateCopier>();
        services.AddSingleton<TemplateCopyLocks>();
        services.AddScoped<TemplateRemover>();
        services.AddScoped<TemplateService>();
        return services;
    }
}
