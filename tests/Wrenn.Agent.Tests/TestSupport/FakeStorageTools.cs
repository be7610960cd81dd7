using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Stand-ins for <c>dmsetup</c> and <c>losetup</c>: small shell scripts in a temp bin/ that the real
/// <see cref="ProcessCommandRunner"/> finds first (<see cref="ProcessCommandRunner.PathPrefix"/>). They
/// log their argv, keep a tiny model of loop and device-mapper devices in files (so a test can see
/// what is left behind), and fail on cue: each armed failure answers the next call of that
/// subcommand with an exit code and a stderr line. Stricter than the kernel in two ways, to catch
/// ordering mistakes: a snapshot's origin must be attached read-only and its CoW writable, and a
/// loop device under a device-mapper device cannot be detached.
/// </summary>
public sealed class FakeStorageTools : IDisposable
{
    private const string Header = """
        #!/bin/sh
        D='@DIR@'
        tool=@TOOL@
        { printf '%s' "$tool"; for a in "$@"; do printf ' %s' "$a"; done; printf '\n'; } >> "$D/log"
        cue="$D/cues/$tool.$1"
        if [ -s "$cue" ]; then
          line=$(head -n 1 "$cue")
          tail -n +2 "$cue" > "$cue.rest"; mv "$cue.rest" "$cue"
          code=${line%%|*}
          if [ "$code" != pass ]; then printf '%s\n' "${line#*|}" >&2; exit "$code"; fi
        fi

        """;

    private const string Losetup = """
        case "$1" in
        --find)
          ro=; file=
          for a in "$@"; do
            case "$a" in --find|--show) ;; --read-only) ro=1 ;; *) file=$a ;; esac
          done
          if [ ! -f "$file" ]; then echo "losetup: $file: failed to set up loop device: No such file or directory" >&2; exit 1; fi
          n=$(cat "$D/state/next")
          echo $((n + 1)) > "$D/state/next"
          printf '%s\n' "$file" > "$D/state/loops/loop$n"
          if [ -n "$ro" ]; then : > "$D/state/loops/loop$n.ro"; fi
          echo "/dev/loop$n"
          ;;
        -d)
          n=${2#/dev/}
          if [ ! -f "$D/state/loops/$n" ]; then echo "losetup: $2: detach failed: No such device or address" >&2; exit 1; fi
          if grep -qs -w -- "$2" "$D"/state/dm/*; then echo "losetup: $2: detach failed: Device or resource busy (fake: a device-mapper device still uses it)" >&2; exit 1; fi
          rm -f "$D/state/loops/$n" "$D/state/loops/$n.ro"
          ;;
        -j)
          for f in "$D"/state/loops/loop*; do
            case "$f" in *.ro) continue ;; esac
            [ -f "$f" ] || continue
            if [ "$(cat "$f")" = "$2" ]; then echo "/dev/${f##*/}: [2049]:12 ($2)"; fi
          done
          ;;
        *) echo "fake losetup: unexpected arguments: $*" >&2; exit 2 ;;
        esac

        """;

    private const string Dmsetup = """
        case "$1" in
        version) printf 'Library version:   1.02.185 (fake)\nDriver version:    4.47.0\n' ;;
        ls)
          found=
          for f in "$D"/state/dm/*; do [ -f "$f" ] || continue; found=1; printf '%s\t(253:0)\n' "${f##*/}"; done
          [ -n "$found" ] || echo "No devices found"
          ;;
        info|table)
          if [ ! -f "$D/state/dm/$2" ]; then printf 'Device does not exist.\nCommand failed.\n' >&2; exit 1; fi
          if [ "$1" = info ]; then printf 'Name:              %s\nState:             ACTIVE\n' "$2"; else sed 's#/dev/loop\([0-9][0-9]*\)#7:\1#g' "$D/state/dm/$2"; fi
          ;;
        create)
          if [ $# -ne 4 ] || [ "$3" != "--table" ]; then echo "fake dmsetup: expected: create NAME --table TABLE" >&2; exit 2; fi
          name=$2; table=$4
          if [ -f "$D/state/dm/$name" ]; then echo "device-mapper: create ioctl on $name  failed: Device or resource busy" >&2; exit 1; fi
          set -- $table
          if [ $# -ne 7 ] || [ "$3" != snapshot ] || [ "$6" != P ]; then echo "device-mapper: reload ioctl on $name  failed: Invalid argument" >&2; exit 1; fi
          for dev in "$4" "$5"; do
            if [ ! -f "$D/state/loops/${dev#/dev/}" ]; then echo "device-mapper: reload ioctl on $name  failed: No such device or address" >&2; exit 1; fi
          done
          if [ ! -f "$D/state/loops/${4#/dev/}.ro" ]; then echo "fake dmsetup: origin $4 is writable" >&2; exit 1; fi
          if [ -f "$D/state/loops/${5#/dev/}.ro" ]; then echo "device-mapper: reload ioctl on $name  failed: Permission denied" >&2; exit 1; fi
          printf '%s\n' "$table" > "$D/state/dm/$name"
          ;;
        remove)
          if [ ! -f "$D/state/dm/$2" ]; then printf 'Device %s not found\nCommand failed.\n' "$2" >&2; exit 1; fi
          rm -f "$D/state/dm/$2"
          ;;
        *) echo "fake dmsetup: unexpected arguments: $*" >&2; exit 2 ;;
        esac

        """;

    public FakeStorageTools()
    {
        Root = Directory.CreateTempSubdirectory("wrenn-dm-").FullName;
        Bin = Path.Combine(Root, "bin");
        foreach (var directory in new[] { Bin, Path.Combine(Root, "cues"), Path.Combine(Root, "state", "loops"), Path.Combine(Root, "state", "dm") })
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(Path.Combine(Root, "state", "next"), "0\n");
        File.WriteAllText(Path.Combine(Root, "log"), string.Empty);
        WriteTool("losetup", Header + Losetup);
        WriteTool("dmsetup", Header + Dmsetup);

        // Stands for /dev/mapper/control: present unless a test deletes it.
        ControlPath = Path.Combine(Root, "mapper-control");
        File.WriteAllText(ControlPath, string.Empty);
        Runner = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance) { PathPrefix = Bin };
    }

    public string Root { get; }

    public string Bin { get; }

    public string ControlPath { get; }

    public ProcessCommandRunner Runner { get; }

    /// <summary>Every call so far, as "tool arg arg …".</summary>
    public IReadOnlyList<string> Log => File.ReadAllLines(Path.Combine(Root, "log"));

    /// <summary>Attached loop devices: name (loopN) → backing file.</summary>
    public IReadOnlyDictionary<string, string> Loops =>
        Directory.EnumerateFiles(Path.Combine(Root, "state", "loops"))
            .Where(f => !f.EndsWith(".ro", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f).Trim());

    /// <summary>Device-mapper devices: name → table as created.</summary>
    public IReadOnlyDictionary<string, string> Devices =>
        Directory.EnumerateFiles(Path.Combine(Root, "state", "dm")).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f).Trim());

    /// <summary>The next call of <paramref name="tool"/> <paramref name="subcommand"/> exits <paramref name="exitCode"/> printing <paramref name="stderr"/>.</summary>
    public void Fail(string tool, string subcommand, string stderr, int exitCode = 1) =>
        File.AppendAllText(Path.Combine(Root, "cues", $"{tool}.{subcommand}"), $"{exitCode.ToString(CultureInfo.InvariantCulture)}|{stderr}\n");

    /// <summary>The next call of <paramref name="tool"/> <paramref name="subcommand"/> runs normally (a later armed failure then hits the call after it).</summary>
    public void Pass(string tool, string subcommand) =>
        File.AppendAllText(Path.Combine(Root, "cues", $"{tool}.{subcommand}"), "pass|\n");

    public void ClearLog() => File.WriteAllText(Path.Combine(Root, "log"), string.Empty);

    /// <summary>Makes a loop device exist as if attached earlier (by a previous agent).</summary>
    public void SeedLoop(int number, string backingFile, bool readOnly)
    {
        File.WriteAllText(Path.Combine(Root, "state", "loops", $"loop{number}"), backingFile + "\n");
        if (readOnly)
        {
            File.WriteAllText(Path.Combine(Root, "state", "loops", $"loop{number}.ro"), string.Empty);
        }

        var next = int.Parse(File.ReadAllText(Path.Combine(Root, "state", "next")).Trim(), CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(Root, "state", "next"), Math.Max(next, number + 1).ToString(CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>Makes a device-mapper device exist as if created earlier.</summary>
    public void SeedDevice(string name, string table) =>
        File.WriteAllText(Path.Combine(Root, "state", "dm", name), table + "\n");

    /// <summary>Puts another fake program (e.g. cp) in front of the real one.</summary>
    public void WriteTool(string name, string script)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, script.Replace("@DIR@", Root, StringComparison.Ordinal).Replace("@TOOL@", name, StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
