using System.CommandLine;
using Wrenn.Cli.Config;
using Wrenn.Cli.Up;
using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn up`: the whole single-node platform on this machine, on SQLite.</summary>
public static class UpCommand
{
    public static Command Create(StopSignal stop)
    {
        var listen = new Option<string>("--listen")
        {
            Description = $"Control plane HTTP address (default ${WrennEnvironment.ControlPlaneListenAddress}, else {ApiExposure.DefaultListenAddress}: loopback only; ':8000' serves every interface)",
        };
        var hostListen = new Option<string>("--host-listen")
        {
            Description = $"Host agent gRPC address (default ${WrennEnvironment.HostListenAddress}, else 127.0.0.1 on port 50051: single-node needs no outside access)",
        };
        var proxyListen = new Option<string>("--proxy-listen")
        {
            Description = $"Sandbox traffic proxy address: {{port}}-{{sandbox id}}.{{domain}} reaches that port of that sandbox (default ${WrennEnvironment.ProxyListenAddress}, else {WrennEnvironment.DefaultProxyListenAddress}); the domain is ${WrennEnvironment.ProxyDomain}, else localhost:PORT",
        };
        var wrennDir = new Option<string>("--wrenn-dir")
        {
            Description = $"State directory (default ${WrennEnvironment.Dir} or {WrennEnvironment.DefaultDir})",
        };
        var runtime = new Option<string>("--runtime")
        {
            Description = $"auto, container, qemu or firecracker (default ${WrennEnvironment.Runtime} or auto)",
        };
        var ephemeral = new Option<bool>("--ephemeral")
        {
            Description = "Destroy every sandbox and remove every namespace, mount and container on stop (for tests)",
        };
        var logs = new Option<bool>("--logs")
        {
            Description = "Also print the control plane's and agent's logs to stderr",
        };

        var command = new Command("up", "Build the minimal image if needed, start the control plane and host agent, print the API URL and key")
        {
            listen, hostListen, proxyListen, wrennDir, runtime, ephemeral, logs,
        };
        command.SetAction(async (parse, _) =>
        {
            var options = new UpOptions(
                WrennDir: parse.GetValue(wrennDir) ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
                ListenAddress: ApiExposure.ListenAddress(parse.GetValue(listen)),
                HostListenAddress: parse.GetValue(hostListen) ?? WrennEnvironment.Get(WrennEnvironment.HostListenAddress, WrennEnvironment.DefaultHostListenAddress),
                Runtime: parse.GetValue(runtime) ?? WrennEnvironment.Get(WrennEnvironment.Runtime, WrennEnvironment.DefaultRuntime),
                Ephemeral: parse.GetValue(ephemeral),
                ShowLogs: parse.GetValue(logs),
                ConfigPath: ClientConfig.DefaultPath(),
                BinDirectory: AppContext.BaseDirectory,
                ProxyListenAddress: parse.GetValue(proxyListen) ?? WrennEnvironment.Get(WrennEnvironment.ProxyListenAddress, WrennEnvironment.DefaultProxyListenAddress),
                ProxyDomain: WrennEnvironment.Get(WrennEnvironment.ProxyDomain));
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            return await new PlatformSupervisor(options, Console.Out, http).RunAsync(stop.Token).ConfigureAwait(false);
        });
        return command;
    }
}
