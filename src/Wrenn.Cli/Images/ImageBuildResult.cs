namespace Wrenn.Cli.Images;

/// <summary>What a build did: nothing (the image was current), only re-injected envd and wrenn-init, or everything.</summary>
public enum ImageBuildResult
{
    AlreadyCurrent,
    Reinjected,
    Built,
}
