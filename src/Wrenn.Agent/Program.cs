using System.CommandLine;
using Wrenn.Agent;
using Wrenn.Common.Configuration;
using Wrenn.Common.Files;

// Bundles hold tenants' environment, snapshots their memory: nothing this process makes is anyone else's.
// What a sandbox must read or traverse is opened explicitly, and runc starts under umask 022.
OwnerOnlyFiles.RestrictUmask();
var dotEnv = DotEnvLoader.LoadForProcess(args, "wrenn-agent");
if (dotEnv.Failed)
{
    return 2;
}

var listenOption = new Option<string>("--listen")
{
    Description = $"Address the gRPC service listens on (default ${WrennEnvironment.HostListenAddress} or {WrennEnvironment.DefaultHostListenAddress})",
};
var dirOption = new Option<string>("--wrenn-dir")
{
    Description = $"State directory (default ${WrennEnvironment.Dir} or {WrennEnvironment.DefaultDir})",
};
var runtimeOption = new Option<string>("--runtime")
{
    Description = $"auto, container, qemu or firecracker (default ${WrennEnvironment.Runtime} or auto)",
};
var registerOption = new Option<string>("--register")
{
    Description = "Register with the control plane using this one-hour token (from POST /v1/hosts), then serve",
};
var addressOption = new Option<string>("--address")
{
    Description = "host:port at which the control plane reaches this agent (required with --register; only a new registration changes it)",
};
var cpUrlOption = new Option<string>("--cp-url")
{
    Description = $"The control plane's URL for registration (default ${WrennEnvironment.ControlPlaneUrl})",
};
var drainOption = new Option<bool>("--destroy-on-stop")
{
    Description = "Destroy every sandbox when stopped (wrenn up --ephemeral); by default they keep running and the next start adopts them",
};
var root = new RootCommand("wrenn-agent: runs sandboxes on this host for the Wrenn control plane")
{
    drainOption,
    listenOption,
    dirOption,
    runtimeOption,
    registerOption,
    addressOption,
    cpUrlOption,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new AgentOptions
    {
        ListenAddress = parse.GetValue(listenOption) ?? WrennEnvironment.Get(WrennEnvironment.HostListenAddress, WrennEnvironment.DefaultHostListenAddress),
        WrennDir = parse.GetValue(dirOption) ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
        Runtime = parse.GetValue(runtimeOption) ?? WrennEnvironment.Get(WrennEnvironment.Runtime, WrennEnvironment.DefaultRuntime),
        RegistrationToken = parse.GetValue(registerOption),
        AdvertiseAddress = parse.GetValue(addressOption),
        ControlPlaneUrl = parse.GetValue(cpUrlOption) ?? WrennEnvironment.Get(WrennEnvironment.ControlPlaneUrl),
        DestroySandboxesOnStop = parse.GetValue(drainOption),
        TlsCertificatePath = WrennEnvironment.Get(WrennEnvironment.AgentTlsCertificate),
        TlsKeyPath = WrennEnvironment.Get(WrennEnvironment.AgentTlsKey),
        TlsClientCaPath = WrennEnvironment.Get(WrennEnvironment.AgentTlsClientCa),
    };
    // Under `wrenn up`: stop (as on SIGTERM) when it is gone, instead of running on as an orphan.
    using var supervisor = Wrenn.Common.Processes.SupervisorWatch.FromEnvironment();
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, supervisor.Token);
    return await AgentHost.RunAsync(options, stop.Token).ConfigureAwait(false);
});
// One restored Firecracker VM's memory, served from its snapshot through userfaultfd. The Firecracker
// runtime starts one per VM (detached), so a VM keeps getting its pages when the agent restarts.
var socketOption = new Option<string>("--socket") { Description = "Unix socket Firecracker connects to (its Uffd memory backend)", Required = true };
var snapshotOption = new Option<string>("--snapshot") { Description = "Snapshot directory (memfile.header and memfile.<build> files)", Required = true };
var uffdServe = new Command("uffd-serve", "Serve one restored VM's memory from a snapshot (started by the firecracker runtime)") { socketOption, snapshotOption };
uffdServe.Hidden = true;
uffdServe.SetAction((parse, cancellationToken) =>
    Wrenn.Agent.Snapshots.Uffd.PageService.RunAsync(parse.GetValue(socketOption)!, parse.GetValue(snapshotOption)!, cancellationToken));
root.Subcommands.Add(uffdServe);
// SIGTERM and SIGINT are the host's (its console lifetime stops every service in turn, however long that
// takes). Left to System.CommandLine, they cancel the action and end the process 2 s later: a stop that
// destroys sandboxes or removes prepared network slots was cut off half-way, leaving them on the host.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
return await root.Parse(dotEnv.RemainingArgs).InvokeAsync(invocation).ConfigureAwait(false);
