using System.CommandLine;
using Wrenn.Agent;
using Wrenn.Common.Configuration;

DotEnvLoader.LoadFromWorkingDirectory();

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
var root = new RootCommand("wrenn-agent: runs sandboxes on this host for the Wrenn control plane")
{
    listenOption,
    dirOption,
    runtimeOption,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new AgentOptions
    {
        ListenAddress = parse.GetValue(listenOption) ?? WrennEnvironment.Get(WrennEnvironment.HostListenAddress, WrennEnvironment.DefaultHostListenAddress),
        WrennDir = parse.GetValue(dirOption) ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
        Runtime = parse.GetValue(runtimeOption) ?? WrennEnvironment.Get(WrennEnvironment.Runtime, WrennEnvironment.DefaultRuntime),
        Secret = WrennEnvironment.Get(WrennEnvironment.AgentSecret) ?? string.Empty,
    };
    return await AgentHost.RunAsync(options, cancellationToken).ConfigureAwait(false);
});
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
