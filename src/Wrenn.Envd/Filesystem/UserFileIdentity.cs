using System.Runtime.InteropServices;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// Runs file work with a user's own file-system identity, so that the kernel decides what the user may
/// reach, exactly as for the user's shell: symlinks, parents' search bits, supplementary groups and
/// ACLs included, and files and directories made are the user's. envd runs as root, so checking bits
/// itself and then acting as root let a user's symlink to /etc/shadow be read or overwritten.
/// <para>
/// Linux keeps the file-system uid and gid and the supplementary groups per thread (glibc's
/// setfsuid/setfsgid are plain system calls; setgroups is made here as a raw system call, since glibc's
/// wrapper changes every thread). The work runs synchronously on the calling thread between switching
/// and switching back, so nothing else ever runs on that thread with the user's identity: pass only
/// synchronous work, never something that awaits. Whatever outlives the call (an open file) was opened
/// with the user's rights.
/// </para>
/// </summary>
public static partial class UserFileIdentity
{
    private const int MaxGroups = 65536;

    /// <summary>Runs <paramref name="work"/> as <paramref name="user"/> for the file system; as is when envd is not root or the user is root.</summary>
    public static T Run<T>(UserAccount user, Func<T> work)
    {
        if (user.Uid == 0 || !Environment.IsPrivilegedProcess)
        {
            return work();
        }

        var saved = CurrentGroups();
        Switch(user.Uid, user.Gid, GroupsOf(user));
        try
        {
            return work();
        }
        finally
        {
            try
            {
                Switch(0, 0, saved);
            }
            catch (Exception ex)
            {
                // A pool thread left with a user's identity would do some later call's work as that user.
                Environment.FailFast("envd could not restore root's file-system identity on a thread", ex);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> as <paramref name="user"/> for the file system.</summary>
    public static void Run(UserAccount user, Action work) => Run(user, () =>
    {
        work();
        return true;
    });

    /// <summary>Sets the calling thread's supplementary groups, then fsgid and fsuid; throws when the kernel did not take them.</summary>
    private static void Switch(uint uid, uint gid, uint[] groups)
    {
        if (SetGroupsOfThread(groups) != 0)
        {
            throw new InvalidOperationException("setgroups: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }

        // setfsuid/setfsgid return the previous id and never fail visibly: a second call reports what holds.
        SetFsGid(gid);
        SetFsUid(uid);
        if ((uint)SetFsGid(gid) != gid || (uint)SetFsUid(uid) != uid)
        {
            throw new InvalidOperationException($"setfsuid/setfsgid to {uid}:{gid} did not take");
        }
    }

    private static uint[] CurrentGroups()
    {
        var count = GetGroups(0, null);
        var groups = new uint[Math.Max(count, 0)];
        return count > 0 && GetGroups(count, groups) is var read && read >= 0 ? groups[..read] : [];
    }

    /// <summary>The user's primary group and every group /etc/group lists them in, as login would set.</summary>
    private static uint[] GroupsOf(UserAccount user)
    {
        var count = 64;
        while (true)
        {
            var groups = new uint[count];
            var found = count;
            if (GetGroupList(user.Name, user.Gid, groups, ref found) >= 0)
            {
                return groups[..found];
            }

            if (found <= count || found > MaxGroups)
            {
                return [user.Gid];
            }

            count = found;
        }
    }

    private static int SetGroupsOfThread(uint[] groups)
    {
        var number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 116,
            Architecture.Arm64 => 159,
            var other => throw new PlatformNotSupportedException($"no setgroups system call number for {other}"),
        };
        return (int)SystemCall(number, groups.Length, groups);
    }

    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    private static partial int SetFsGid(uint gid);

    [LibraryImport("libc", EntryPoint = "getgroups", SetLastError = true)]
    private static partial int GetGroups(int size, uint[]? list);

    [LibraryImport("libc", EntryPoint = "getgrouplist", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetGroupList(string user, uint group, uint[] groups, ref int count);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SystemCall(long number, long size, uint[] list);
}
