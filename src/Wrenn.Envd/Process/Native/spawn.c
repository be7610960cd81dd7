// envd's process start: one vfork+exec per command, the child in a session and process group of its
// own, running as the requested user. .NET's Process cannot call setsid in the child, and glibc's
// posix_spawn (POSIX_SPAWN_SETSID) cannot switch user, so envd used to exec util-linux's setsid
// first: a second exec per command (docs/envd.md). Built by Wrenn.Envd.csproj: linked into the
// NativeAOT envd, and as libwrennspawn.so beside envd.dll for JIT runs (tests).
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/epoll.h>

// What the child was doing when it failed; the parent names it in the error.
enum wrenn_spawn_step
{
    WRENN_STEP_NONE = 0,
    WRENN_STEP_FORK = 1,
    WRENN_STEP_SETSID = 2,
    WRENN_STEP_STDIO = 3,
    WRENN_STEP_GROUPS = 4,
    WRENN_STEP_SETGID = 5,
    WRENN_STEP_SETUID = 6,
    WRENN_STEP_CHDIR = 7,
    WRENN_STEP_EXEC = 8,
    WRENN_STEP_PIPES = 9,
    WRENN_STEP_USER = 10,
};

static int move_to(int fd, int target)
{
    if (fd == target)
    {
        // dup2 onto itself keeps close-on-exec: clear it so the descriptor survives the exec.
        return fcntl(fd, F_SETFD, 0) == -1 ? -1 : 0;
    }

    return dup2(fd, target) == -1 ? -1 : 0;
}

// Starts path with argv and envp: a new session (setsid), stdin/stdout/stderr on three new pipes, as
// user_name/uid/gid with the user's supplementary groups when set_ids, in cwd. Descriptors envd
// opened stay out of the child: they are all close-on-exec, as .NET opens them.
// Returns 0 with the pid and envd's ends of the pipes (close-on-exec), or an errno value and the
// step that failed (the child's own errors come back through memory the vfork child shares).
int wrenn_spawn(
    const char* path,
    char* const argv[],
    char* const envp[],
    const char* cwd,
    int set_ids,
    const char* user_name,
    uint32_t uid,
    uint32_t gid,
    int* pid_out,
    int* stdin_out,
    int* stdout_out,
    int* stderr_out,
    int* step_out)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    gid_t* groups = NULL;
    int group_count = 0;
    char** shell_argv = NULL;
    int result = 0;
    *step_out = WRENN_STEP_NONE;

    if (set_ids)
    {
        // The user's supplementary groups, as .NET's Process sets them (getgrouplist, then setgroups).
        int wanted = 32;
        for (;;)
        {
            gid_t* more = realloc(groups, sizeof(gid_t) * (size_t)wanted);
            if (more == NULL)
            {
                free(groups);
                *step_out = WRENN_STEP_USER;
                return ENOMEM;
            }

            groups = more;
            int count = wanted;
            if (getgrouplist(user_name, gid, groups, &count) >= 0)
            {
                group_count = count;
                break;
            }

            if (count <= wanted)
            {
                wanted *= 2;
            }
            else
            {
                wanted = count;
            }

            if (wanted > 65536)
            {
                free(groups);
                *step_out = WRENN_STEP_USER;
                return E2BIG;
            }
        }
    }

    // A file without #! is run by /bin/sh, as execvp (and so util-linux's setsid) does: argv for it,
    // built here because the vfork child must not allocate.
    int argc = 0;
    while (argv[argc] != NULL)
    {
        argc++;
    }

    shell_argv = malloc(sizeof(char*) * (size_t)(argc + 2));
    if (shell_argv == NULL)
    {
        free(groups);
        *step_out = WRENN_STEP_USER;
        return ENOMEM;
    }

    shell_argv[0] = (char*)"/bin/sh";
    shell_argv[1] = (char*)path;
    for (int i = 1; i <= argc; i++)
    {
        shell_argv[i + 1] = argv[i];
    }

    if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1)
    {
        result = errno;
        *step_out = WRENN_STEP_PIPES;
        goto done;
    }

    // No signal handler of envd's may run in the child, which shares envd's memory until it execs:
    // every signal is blocked around vfork, and the child puts the handlers back to default first.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);

    volatile int child_errno = 0;
    volatile int child_step = WRENN_STEP_NONE;
    pid_t pid = vfork();
    if (pid == 0)
    {
        int step;
        // A handler envd installed would run envd's code in the child: default instead. Other ignored
        // signals stay ignored, but not SIGPIPE and SIGXFSZ: the .NET runtime ignores SIGPIPE for itself,
        // and a command must die of it as in a terminal (`yes | head -1` ends quietly, not with "Broken
        // pipe" errors), as Python's subprocess and Go's os/exec give their children.
        for (int sig = 1; sig < NSIG; sig++)
        {
            struct sigaction current;
            if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &current) == 0
                && ((current.sa_handler != SIG_IGN && current.sa_handler != SIG_DFL)
                    || (current.sa_handler == SIG_IGN && (sig == SIGPIPE || sig == SIGXFSZ))))
            {
                struct sigaction fallback;
                memset(&fallback, 0, sizeof(fallback));
                fallback.sa_handler = SIG_DFL;
                sigaction(sig, &fallback, NULL);
            }
        }

        step = WRENN_STEP_SETSID;
        if (setsid() == -1)
        {
            goto failed;
        }

        step = WRENN_STEP_STDIO;
        if (move_to(in[0], 0) == -1 || move_to(out[1], 1) == -1 || move_to(err[1], 2) == -1)
        {
            goto failed;
        }

        if (set_ids)
        {
            // Raw system calls: glibc's wrappers would signal every thread of envd (whose memory the
            // child shares) to change their credentials too; the kernel changes only the child's.
            step = WRENN_STEP_GROUPS;
            if (syscall(SYS_setgroups, (size_t)group_count, groups) == -1)
            {
                goto failed;
            }

            step = WRENN_STEP_SETGID;
            if (syscall(SYS_setresgid, gid, gid, gid) == -1)
            {
                goto failed;
            }

            step = WRENN_STEP_SETUID;
            if (syscall(SYS_setresuid, uid, uid, uid) == -1)
            {
                goto failed;
            }
        }

        step = WRENN_STEP_CHDIR;
        if (chdir(cwd) == -1)
        {
            goto failed;
        }

        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        step = WRENN_STEP_EXEC;
        execve(path, argv, envp);
        if (errno == ENOEXEC)
        {
            execve(shell_argv[0], shell_argv, envp);
        }

    failed:
        child_errno = errno;
        child_step = step;
        _exit(127);
    }

    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pid == -1)
    {
        result = fork_errno;
        *step_out = WRENN_STEP_FORK;
        goto done;
    }

    if (child_errno != 0)
    {
        // The child exited without exec: reap it here, nobody else knows of it.
        int status;
        while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
        {
        }

        result = child_errno;
        *step_out = child_step;
        goto done;
    }

    *pid_out = pid;
    *stdin_out = in[1];
    *stdout_out = out[0];
    *stderr_out = err[0];
    in[1] = out[0] = err[0] = -1;

done:
    for (int i = 0; i < 2; i++)
    {
        if (in[i] != -1) close(in[i]);
        if (out[i] != -1) close(out[i]);
        if (err[i] != -1) close(err[i]);
    }

    free(shell_argv);
    free(groups);
    return result;
}

// envd's children end on one thread: an epoll set of their pidfds (Linux 5.3+), readable when one ends.
int wrenn_reaper_open(void)
{
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    return epoll == -1 ? -errno : epoll;
}

// Watches pid (a child of envd's); 0 or -errno.
int wrenn_reaper_add(int epoll, int pid)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd == -1)
    {
        return -errno;
    }

    // pidfds are close-on-exec from birth.
    struct epoll_event event;
    memset(&event, 0, sizeof(event));
    event.events = EPOLLIN;
    event.data.u64 = ((uint64_t)(uint32_t)pidfd << 32) | (uint32_t)pid;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, pidfd, &event) == -1)
    {
        int error = errno;
        close(pidfd);
        return -error;
    }

    return 0;
}

// Blocks until a watched child ends and stops watching it: 0 with its pid, or an errno value of
// epoll_wait. The child is left to reap (wrenn_wait): its pid cannot be reused until then, so the
// caller can first forget it under that pid.
int wrenn_reaper_next(int epoll, int* pid_out)
{
    struct epoll_event event;
    int ready;
    do
    {
        ready = epoll_wait(epoll, &event, 1, -1);
    } while (ready == -1 && errno == EINTR);

    if (ready == -1)
    {
        return errno;
    }

    int pidfd = (int)(event.data.u64 >> 32);
    epoll_ctl(epoll, EPOLL_CTL_DEL, pidfd, NULL);
    close(pidfd);
    *pid_out = (int)(uint32_t)event.data.u64;
    return 0;
}

// Waits for the child to end and reaps it: its wait status, or -1 with errno. ChildReaper calls it
// once the child's pidfd said it ended (it returns at once then), and, where pidfds are missing
// (before Linux 5.3), on a thread of the child's own that blocks here until it ends.
int wrenn_wait(int pid)
{
    int status;
    while (waitpid(pid, &status, 0) == -1)
    {
        if (errno != EINTR)
        {
            return -1;
        }
    }

    return status;
}
