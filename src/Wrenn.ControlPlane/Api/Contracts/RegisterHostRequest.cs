namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/hosts/register: the one-hour token, where the agent listens, its specs.</summary>
public sealed record RegisterHostRequest(string? Token, string? Address, HostSpecs? Specs);
