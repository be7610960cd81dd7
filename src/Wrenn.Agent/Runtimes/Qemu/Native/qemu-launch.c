// wrenn-qemu-launch: starts QEMU for the agent (QemuLaunch.cs) as one program instead of a chain of eleven
// (sh, setsid, unshare, bash, rm, mkfifo, mount, mknod, chown, nsenter, setpriv): each exec was ~4 ms of
// dynamic linking and page faults on the hosts this runs on, ~60 ms of every QEMU start in all.
//
// Run as root by the agent. It forks and returns at once; the child, in a session of its own with stdin from
// /dev/null and stdout and stderr appended to --log, then does, in this order:
//   1. the actions, in the order given: --cgroup PROCS (join: write its pid), --console LOG CAP SCRIPT (make
//      LOG.pipe, start `sh -c SCRIPT console-log LOG CAP` reading it in a session of its own, then open the
//      pipe's write end as fd 5: the open waits for the rotator), --open FD REDIRECTION PATH (<, <> or >>, as
//      the shell's; kept open across the exec);
//   2. a private mount namespace whose /dev/net is a small tmpfs holding only a tun node owned by the VM user
//      (and with --accel kvm, a kvm node bound over /dev/kvm);
//   3. the pid file, the working directory, the network namespace;
//   4. no groups, the VM user's gid and uid (real, effective, saved), no capabilities (bounding, inheritable,
//      ambient), no_new_privs;
//   5. exec of the program after "--".
// Bad arguments are refused before the fork (exit 2, the reason on stderr, which the agent reports). Any later
// failure is written to stderr (the log) and ends the child with 1; the agent then times out waiting for
// the pid file and reports the log.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#define CONSOLE_FD 5

__attribute__((noreturn)) static void fail(const char *step, const char *what) {
  dprintf(2, "wrenn-qemu-launch: %s %s: %s\n", step, what ? what : "", strerror(errno));
  _exit(1);
}

__attribute__((noreturn)) static void usage(const char *why) {
  dprintf(2, "wrenn-qemu-launch: %s\nusage: wrenn-qemu-launch --log LOG --pid-file FILE --workdir DIR --netns PATH "
             "--uid UID --gid GID --accel kvm|tcg [--cgroup PROCS | --console LOG CAP SCRIPT | --open FD <|<>|>> PATH]... "
             "-- PROGRAM ARGS...\n", why);
  _exit(2);
}

static long number(const char *text, const char *what) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) {
    usage(what);
  }
  return value;
}

// The open(2) flags of a shell redirection (<, <> or >>), or -1.
static int redirection_flags(const char *redirection) {
  return strcmp(redirection, "<") == 0 ? O_RDONLY
       : strcmp(redirection, "<>") == 0 ? O_RDWR | O_CREAT
       : strcmp(redirection, ">>") == 0 ? O_WRONLY | O_APPEND | O_CREAT
       : -1;
}

// The descriptor an --open names, checked: not stdin, stdout, stderr or the console's.
static int open_target(const char *text) {
  int fd = (int)number(text, "--open FD");
  if (fd <= 2 || fd == CONSOLE_FD) {
    usage("--open FD: 0-2 and 5 are the launcher's");
  }
  return fd;
}

// Opens path with flags and puts it on descriptor fd (not closed on exec).
static void open_at(int fd, const char *path, int flags, const char *step) {
  int opened = open(path, flags, 0666);
  if (opened < 0) {
    fail(step, path);
  }
  if (opened != fd) {
    if (dup2(opened, fd) < 0) {
      fail(step, path);
    }
    close(opened);
  }
}

static void write_pid(const char *path, int flags, const char *step) {
  int fd = open(path, flags | O_CLOEXEC, 0666);
  if (fd < 0 || dprintf(fd, "%d\n", getpid()) < 0 || close(fd) < 0) {
    fail(step, path);
  }
}

static void start_console(const char *log, const char *cap, const char *script) {
  char pipe[4096];
  if (snprintf(pipe, sizeof pipe, "%s.pipe", log) >= (int)sizeof pipe) {
    usage("console log path too long");
  }
  if (unlink(pipe) < 0 && errno != ENOENT) {
    fail("console", pipe);
  }
  if (mkfifo(pipe, 0600) < 0) {
    fail("console", pipe);
  }
  // The rotator: its own session, so it outlives the agent; it holds none of QEMU's files (started before
  // they are opened) and ends when the last writer of the pipe (QEMU) closes it.
  pid_t rotator = fork();
  if (rotator < 0) {
    fail("console", "fork");
  }
  if (rotator == 0) {
    setsid();
    open_at(0, pipe, O_RDONLY, "console rotator");
    open_at(1, "/dev/null", O_WRONLY, "console rotator");
    open_at(2, "/dev/null", O_WRONLY, "console rotator");
    execl("/bin/sh", "sh", "-c", script, "console-log", log, cap, (char *)NULL);
    _exit(127);
  }
  open_at(CONSOLE_FD, pipe, O_WRONLY, "console");
}

static void private_devices(uid_t uid, gid_t gid, int kvm) {
  if (unshare(CLONE_NEWNS) < 0) {
    fail("mount namespace", NULL);
  }
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    fail("mount namespace", "private");
  }
  if (mount("none", "/dev/net", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0) {
    fail("mount", "/dev/net");
  }
  if (mknod("/dev/net/tun", S_IFCHR | 0600, makedev(10, 200)) < 0 || chown("/dev/net/tun", uid, gid) < 0) {
    fail("device", "/dev/net/tun");
  }
  if (kvm) {
    if (mknod("/dev/net/kvm", S_IFCHR | 0600, makedev(10, 232)) < 0 || chown("/dev/net/kvm", uid, gid) < 0) {
      fail("device", "/dev/net/kvm");
    }
    if (mount("/dev/net/kvm", "/dev/kvm", NULL, MS_BIND, NULL) < 0) {
      fail("mount", "/dev/kvm");
    }
  }
}

static void drop_privileges(uid_t uid, gid_t gid) {
  // The bounding set first: dropping from it needs CAP_SETPCAP, which the uid change takes away.
  for (int cap = 0; cap <= 63; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
      fail("capabilities", "bounding set");
    }
  }
  if (setgroups(0, NULL) < 0) {
    fail("groups", NULL);
  }
  if (setresgid(gid, gid, gid) < 0) {
    fail("gid", NULL);
  }
  if (setresuid(uid, uid, uid) < 0) {
    fail("uid", NULL);
  }
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
  memset(none, 0, sizeof none);
  if (syscall(SYS_capset, &header, none) < 0) {
    fail("capabilities", "inheritable");
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
    fail("capabilities", "ambient");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    fail("no_new_privs", NULL);
  }
}

int main(int argc, char **argv) {
  const char *log = NULL, *pid_file = NULL, *workdir = NULL, *netns = NULL, *accel = NULL;
  long uid = -1, gid = -1;
  int end = 0;
  for (int i = 1; i < argc; i++) {
    const char *option = argv[i];
    int values = strcmp(option, "--") == 0 ? 0
               : strcmp(option, "--console") == 0 || strcmp(option, "--open") == 0 ? 3
               : 1;
    if (values == 0) {
      end = i;
      break;
    }
    if (i + values >= argc) {
      usage(option);
    }
    if (strcmp(option, "--log") == 0) log = argv[i + 1];
    else if (strcmp(option, "--pid-file") == 0) pid_file = argv[i + 1];
    else if (strcmp(option, "--workdir") == 0) workdir = argv[i + 1];
    else if (strcmp(option, "--netns") == 0) netns = argv[i + 1];
    else if (strcmp(option, "--uid") == 0) uid = number(argv[i + 1], "--uid");
    else if (strcmp(option, "--gid") == 0) gid = number(argv[i + 1], "--gid");
    else if (strcmp(option, "--accel") == 0) accel = argv[i + 1];
    else if (strcmp(option, "--open") == 0) {
      // Checked here, before the fork, so that the agent sees a bad --open as this program's exit status.
      open_target(argv[i + 1]);
      if (redirection_flags(argv[i + 2]) < 0) usage("--open REDIRECTION: <, <> or >>");
    }
    else if (strcmp(option, "--cgroup") != 0 && strcmp(option, "--console") != 0) usage(option);
    i += values;
  }
  if (!log || !pid_file || !workdir || !netns || !accel || uid < 0 || gid < 0 || end == 0 || end + 1 >= argc) {
    usage("missing arguments");
  }
  if (uid == 0 || gid == 0) {
    usage("QEMU never runs as root");
  }

  pid_t child = fork();
  if (child < 0) {
    fail("fork", NULL);
  }
  if (child > 0) {
    return 0;
  }

  // Nothing the agent's process had open reaches QEMU or the rotator but what is opened below (best effort:
  // close_range is Linux 5.11 and later).
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  setsid();
  open_at(0, "/dev/null", O_RDONLY, "stdin");
  open_at(1, log, O_WRONLY | O_APPEND | O_CREAT, "log");
  if (dup2(1, 2) < 0) {
    fail("log", log);
  }

  for (int i = 1; i < end; i++) {
    const char *option = argv[i];
    if (strcmp(option, "--cgroup") == 0) {
      write_pid(argv[++i], O_WRONLY, "cgroup");
    } else if (strcmp(option, "--console") == 0) {
      start_console(argv[i + 1], argv[i + 2], argv[i + 3]);
      i += 3;
    } else if (strcmp(option, "--open") == 0) {
      open_at(open_target(argv[i + 1]), argv[i + 3], redirection_flags(argv[i + 2]), "open");
      i += 3;
    } else {
      i++;
    }
  }

  private_devices((uid_t)uid, (gid_t)gid, strcmp(accel, "kvm") == 0);
  write_pid(pid_file, O_WRONLY | O_CREAT | O_TRUNC, "pid file");
  if (chdir(workdir) < 0) {
    fail("workdir", workdir);
  }
  int ns = open(netns, O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
    fail("network namespace", netns);
  }
  close(ns);
  drop_privileges((uid_t)uid, (gid_t)gid);
  execvp(argv[end + 1], argv + end + 1);
  fail("exec", argv[end + 1]);
}
