namespace Wrenn.Agent.Storage.Ownership;

/// <summary>A read-only rootfs layer as stored: its directory, the mapping its owners were written under, and what identifies its content.</summary>
/// <param name="Directory">The layer directory (an image's rootfs or a template's layer).</param>
/// <param name="Owners">The mapping its files' host owners follow: identity for images, the making sandbox's for templates.</param>
/// <param name="Version">Changes whenever the content may have changed (image manifest hash, template creation time).</param>
public sealed record LayerSource(string Directory, IdMapping Owners, string Version);
