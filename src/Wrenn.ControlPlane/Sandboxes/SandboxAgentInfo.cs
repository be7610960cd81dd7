using Wrenn.ControlPlane.Data.Entities;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>What the agent reports of a sandbox at create and resume that the control plane keeps.</summary>
public static class SandboxAgentInfo
{
    /// <summary>envd's token and version; a resume may give a new token (the envd helper's agent rotates it), so both are replaced when reported.</summary>
    public static void Apply(SandboxEntity sandbox, Agent.SandboxInfo? info)
    {
        if (info is null)
        {
            return;
        }

        if (info.EnvdAccessToken.Length > 0)
        {
            sandbox.EnvdAccessToken = info.EnvdAccessToken;
        }

        if (info.EnvdVersion.Length > 0)
        {
            sandbox.EnvdVersion = info.EnvdVersion;
        }
    }
}
