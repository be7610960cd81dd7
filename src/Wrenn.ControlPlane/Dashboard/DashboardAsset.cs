namespace Wrenn.ControlPlane.Dashboard;

/// <summary>One built file of the web console, held in memory (the whole console is well under a megabyte).</summary>
/// <param name="Immutable">Its name carries a hash of its content (Vite's assets/), so browsers may keep it for good.</param>
public sealed record DashboardAsset(string Path, ReadOnlyMemory<byte> Content, string ContentType, string ETag, bool Immutable);
