namespace Wrenn.Envd.Process.Native;

/// <summary>What spawn.c was doing when a start failed (enum wrenn_spawn_step).</summary>
internal enum SpawnStep
{
    None = 0,
    Fork = 1,
    Setsid = 2,
    Stdio = 3,
    Groups = 4,
    SetGid = 5,
    SetUid = 6,
    Chdir = 7,
    Exec = 8,
    Pipes = 9,
    User = 10,
}
