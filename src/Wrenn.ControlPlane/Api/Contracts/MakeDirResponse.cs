namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>The directory, and whether this call created it (false: it was already there).</summary>
public sealed record MakeDirResponse(FileEntryResponse? Entry, bool Created);
