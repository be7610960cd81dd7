namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /v1/sandboxes/{id}/files/list.</summary>
public sealed record FileListResponse(IReadOnlyList<FileEntryResponse> Entries);
