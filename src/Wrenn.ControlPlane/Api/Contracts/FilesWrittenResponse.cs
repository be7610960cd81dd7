namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes/{id}/files.</summary>
public sealed record FilesWrittenResponse(IReadOnlyList<WrittenFileResponse> Files);
