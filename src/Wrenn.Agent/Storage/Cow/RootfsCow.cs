namespace Wrenn.Agent.Storage.Cow;

/// <summary>
/// A sandbox's writable root disk: <see cref="DevicePath"/> is what the VM opens (a device-mapper
/// snapshot or a private copy of the image); <see cref="Provider"/> names the provider that removes it.
/// </summary>
public sealed record RootfsCow(string SandboxId, string Provider, string DevicePath, string BaseImage, string CowPath);
