package wrenn_test

// Integration tests against a real Wrenn platform (no mocks): they need WRENN_API_URL and
// WRENN_API_KEY and are skipped only when those are unset. run-tests.sh refuses to run without
// them, so CI never skips silently.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	wrenn "github.com/wrenn-dev/wrenn/sdk/go"
)

// Captured when the test binary starts, before unit tests change the environment.
var (
	apiURL = os.Getenv("WRENN_API_URL")
	apiKey = os.Getenv("WRENN_API_KEY")
	runID  = strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
)

func platform(t *testing.T) *wrenn.Client {
	t.Helper()
	if apiURL == "" || apiKey == "" {
		t.Skip("WRENN_API_URL and WRENN_API_KEY are not set; integration tests skipped")
	}
	c, err := wrenn.NewClient(wrenn.WithAPIURL(apiURL), wrenn.WithAPIKey(apiKey))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func newSandbox(t *testing.T, c *wrenn.Client, opts wrenn.CreateOptions) *wrenn.Sandbox {
	t.Helper()
	if opts.Metadata == nil {
		opts.Metadata = map[string]string{}
	}
	opts.Metadata["test"] = t.Name()
	opts.Metadata["run"] = runID
	sb, err := c.CreateSandbox(testContext(t, time.Minute), opts)
	if err != nil {
		t.Fatalf("CreateSandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sb
}

func run(t *testing.T, ctx context.Context, sb *wrenn.Sandbox, cmd string) string {
	t.Helper()
	res, err := sb.Commands.Run(ctx, cmd, wrenn.RunOptions{Check: true})
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return res.Stdout
}

func TestSandboxLifecycleAndRun(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb, err := c.CreateSandbox(ctx, wrenn.CreateOptions{
		Metadata: map[string]string{"test": t.Name(), "run": runID},
		Env:      map[string]string{"GREETING": "hello from env"},
		MemoryMB: 256,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if !strings.HasPrefix(sb.ID, "sb-") {
		t.Fatalf("id %q", sb.ID)
	}
	info := sb.LastKnownInfo()
	if info.State != wrenn.StateRunning || info.Template != "minimal" || info.MemoryMB != 256 || info.VCPUs != 1 || info.Metadata["run"] != runID {
		t.Fatalf("create answered %+v", info)
	}

	res, err := sb.Commands.Run(ctx, `echo "$GREETING"; echo oops >&2; exit 3`, wrenn.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "hello from env\n" || res.Stderr != "oops\n" || res.ExitCode != 3 {
		t.Fatalf("result %+v", res)
	}
	// Bytes that are not UTF-8 survive as they are.
	res, err = sb.Commands.Run(ctx, `printf '\xff\xfe\x00ok'`, wrenn.RunOptions{})
	if err != nil || res.Stdout != "\xff\xfe\x00ok" {
		t.Fatalf("binary output %q %v", res.Stdout, err)
	}

	got, err := sb.Info(ctx)
	if err != nil || got.ID != sb.ID || got.State != wrenn.StateRunning || !got.LastActiveAt.After(got.CreatedAt.Add(-time.Second)) {
		t.Fatalf("Info %+v %v", got, err)
	}

	if err := sb.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sb.Kill(ctx); err != nil {
		t.Fatalf("second Kill: %v", err)
	}
	got, err = c.GetSandbox(ctx, sb.ID)
	if err != nil || got.State != wrenn.StateStopped {
		t.Fatalf("after kill: %+v %v", got, err)
	}
	_, err = sb.Commands.Run(ctx, "true", wrenn.RunOptions{})
	if !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("run in a killed sandbox: %v", err)
	}
	if err := sb.Close(); err != nil {
		t.Fatalf("Close after Kill: %v", err)
	}
}

func TestCommandOptions(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})

	// Args: no shell, so $HOME and ; are passed literally.
	res, err := sb.Commands.Run(ctx, "printf", wrenn.RunOptions{Args: []string{"%s|%s", "$HOME", "a;b"}})
	if err != nil || res.Stdout != "$HOME|a;b" {
		t.Fatalf("args: %+v %v", res, err)
	}
	res, err = sb.Commands.Run(ctx, `echo "$A-$B" && pwd && id -un`, wrenn.RunOptions{
		Env: map[string]string{"A": "1", "B": "two"}, Cwd: "/tmp", User: "root",
	})
	if err != nil || res.Stdout != "1-two\n/tmp\nroot\n" {
		t.Fatalf("env/cwd/user: %+v %v", res, err)
	}
	if out := run(t, ctx, sb, "id -un; pwd"); out != "user\n/home/user\n" {
		t.Fatalf("default user and cwd: %q", out)
	}

	// Check makes a non-zero exit an error carrying the result.
	_, err = sb.Commands.Run(ctx, "echo bad >&2; exit 7", wrenn.RunOptions{Check: true})
	var exitErr *wrenn.CommandExitError
	if !errors.As(err, &exitErr) || exitErr.Result.ExitCode != 7 || exitErr.Result.Stderr != "bad\n" {
		t.Fatalf("check: %v", err)
	}

	// Bad input is a typed error with the server's message.
	_, err = sb.Commands.Run(ctx, "true", wrenn.RunOptions{Env: map[string]string{"1BAD": "x"}})
	var apiErr *wrenn.APIError
	if !errors.Is(err, wrenn.ErrBadRequest) || !errors.As(err, &apiErr) || apiErr.Code != "bad_request" || !strings.Contains(apiErr.Message, "1BAD") {
		t.Fatalf("bad env name: %v", err)
	}
}

func TestCommandTimeouts(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})

	// The error keeps what was printed before the kill.
	start := time.Now()
	var seen int32
	res, err := sb.Commands.Run(ctx, "echo before; sleep 30", wrenn.RunOptions{
		Timeout: time.Second, OnStdout: func(string) { atomic.AddInt32(&seen, 1) },
	})
	var te *wrenn.CommandTimeoutError
	if !errors.Is(err, wrenn.ErrTimeout) || !errors.As(err, &te) || te.Result.Stdout != "before\n" || res == nil || res.ExitCode != -1 {
		t.Fatalf("streamed run past its timeout: %v %+v", err, res)
	}
	if d := time.Since(start); d > 15*time.Second || atomic.LoadInt32(&seen) != 1 {
		t.Fatalf("took %v, %d callbacks", d, seen)
	}

	_, err = sb.Commands.Run(ctx, "sleep 30", wrenn.RunOptions{Timeout: time.Second})
	if !errors.As(err, &te) || te.Result.ExitCode != -1 {
		t.Fatalf("run past its timeout: %v", err)
	}

	// Commands that timed out are gone.
	waitGone(t, ctx, sb, "sleep 3[0]")

	// Cancelling the context stops Run early and kills the command, over NDJSON or a WebSocket.
	for _, tc := range []struct {
		cmd  string
		opts wrenn.RunOptions
	}{
		{"sleep 37", wrenn.RunOptions{}},
		{"sleep 38", wrenn.RunOptions{Stdin: true}},
	} {
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		start = time.Now()
		_, err := sb.Commands.Run(cctx, tc.cmd, tc.opts)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cancelled %s: %v", tc.cmd, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("cancel took %v", d)
		}
		waitGone(t, ctx, sb, tc.cmd[:len(tc.cmd)-1]+"["+tc.cmd[len(tc.cmd)-1:]+"]")
	}
}

// waitGone waits up to 5 s until no process in the sandbox matches pattern (pgrep -f).
func waitGone(t *testing.T, ctx context.Context, sb *wrenn.Sandbox, pattern string) {
	t.Helper()
	left := ""
	for deadline := time.Now().Add(5 * time.Second); ; {
		left = strings.TrimSpace(run(t, ctx, sb, "pgrep -c -f '"+pattern+"' || true"))
		if left == "0" {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := sb.Commands.Run(ctx, "ps -eo pid,ppid,etimes,args", wrenn.RunOptions{})
	t.Errorf("%s processes matching %q still run 5 s later:\n%s", left, pattern, out.Stdout)
}

func TestStreamingCallbacks(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})

	type chunk struct {
		stream string
		data   string
		at     time.Time
	}
	var mu sync.Mutex
	var chunks []chunk
	record := func(stream string) func(string) {
		return func(d string) {
			mu.Lock()
			chunks = append(chunks, chunk{stream, d, time.Now()})
			mu.Unlock()
		}
	}
	start := time.Now()
	res, err := sb.Commands.Run(ctx, `for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.4; done; printf '\xc3'; printf '\xa9\xff\n'`, wrenn.RunOptions{
		OnStdout: record("stdout"), OnStderr: record("stderr"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "out1\nout2\nout3\n\xc3\xa9\xff\n" || res.Stderr != "err1\nerr2\nerr3\n" || res.ExitCode != 0 || res.PID <= 0 {
		t.Fatalf("result %+v", res)
	}
	var out, errs strings.Builder
	for _, ch := range chunks {
		if ch.stream == "stdout" {
			out.WriteString(ch.data)
		} else {
			errs.WriteString(ch.data)
		}
	}
	if out.String() != res.Stdout || errs.String() != res.Stderr {
		t.Fatalf("callbacks saw %q / %q", out.String(), errs.String())
	}
	// Output arrived as it was printed, not all at the end.
	var first time.Time
	for _, ch := range chunks {
		if strings.Contains(ch.data, "out1") {
			first = ch.at
		}
	}
	if first.IsZero() || first.Sub(start) > time.Since(start)-600*time.Millisecond {
		t.Fatalf("out1 came %v after start of a %v run: not streamed", first.Sub(start), time.Since(start))
	}
}

func TestBackgroundCommands(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})

	// Run with Background returns at once with a handle.
	start := time.Now()
	res, err := sb.Commands.Run(ctx, "sleep 2; echo done", wrenn.RunOptions{Background: true})
	if err != nil || res.Handle == nil || res.PID <= 0 {
		t.Fatalf("background run: %+v %v", res, err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("background run blocked for %v", d)
	}
	final, err := res.Handle.Wait(ctx)
	if err != nil || final.Stdout != "done\n" || final.ExitCode != 0 {
		t.Fatalf("wait: %+v %v", final, err)
	}

	// A long-running command can be killed, and is really gone afterwards.
	var lines int32
	h, err := sb.Commands.Start(ctx, "while true; do echo tick; sleep 0.1; done", wrenn.RunOptions{
		OnStdout: func(d string) { atomic.AddInt32(&lines, int32(strings.Count(d, "tick"))) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := run(t, ctx, sb, fmt.Sprintf("test -d /proc/%d && echo alive", h.PID())); out != "alive\n" {
		t.Fatalf("pid %d not visible in the sandbox: %q", h.PID(), out)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if _, err := h.Wait(waitCtx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on a running command: %v", err)
	}
	cancel()
	if err := h.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	killed, err := h.Wait(ctx)
	if err != nil || killed.ExitCode != -1 || !strings.Contains(killed.Stdout, "tick") {
		t.Fatalf("after kill: %+v %v", killed, err)
	}
	if atomic.LoadInt32(&lines) < 1 {
		t.Fatal("no output streamed before the kill")
	}
	gone := false
	for i := 0; i < 50 && !gone; i++ {
		res, err := sb.Commands.Run(ctx, fmt.Sprintf("test -d /proc/%d", h.PID()), wrenn.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gone = res.ExitCode != 0
		if !gone {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !gone {
		t.Fatalf("process %d still exists 5 s after Kill", h.PID())
	}
	if out := run(t, ctx, sb, "pgrep -c -f 'echo tic[k]' || true"); strings.TrimSpace(out) != "0" {
		t.Fatalf("the killed loop left processes: %q", out)
	}

	// Cancelling the context given to Start kills the command too.
	cctx, ccancel := context.WithCancel(ctx)
	h2, err := sb.Commands.Start(cctx, "sleep 60", wrenn.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ccancel()
	select {
	case <-h2.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the context did not end the command")
	}
}

func TestStdinOverWebSocket(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})

	// Interactive: send lines, see them echoed as they go, then close stdin.
	echoed := make(chan string, 16)
	h, err := sb.Commands.Start(ctx, "cat", wrenn.RunOptions{Stdin: true, OnStdout: func(d string) { echoed <- d }})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SendStdin(ctx, []byte("first line\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-echoed:
		if d != "first line\n" {
			t.Fatalf("echo %q", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cat did not echo the first line while stdin was open")
	}
	if err := h.SendStdin(ctx, []byte{0xff, 0x00, '\n'}); err != nil {
		t.Fatal(err)
	}
	if err := h.CloseStdin(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := h.Wait(ctx)
	if err != nil || res.ExitCode != 0 || res.Stdout != "first line\n\xff\x00\n" {
		t.Fatalf("cat: %+v %v", res, err)
	}

	// Input feeds a reader to stdin and closes it; Run waits.
	payload := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB: several stdin messages
	res, err = sb.Commands.Run(ctx, "sha256sum | cut -d' ' -f1", wrenn.RunOptions{Input: bytes.NewReader(payload)})
	sum := sha256.Sum256(payload)
	if err != nil || strings.TrimSpace(res.Stdout) != hex.EncodeToString(sum[:]) {
		t.Fatalf("input: %+v %v", res, err)
	}

	// SIGTERM reaches the command and its trap.
	h, err = sb.Commands.Start(ctx, `trap 'echo got TERM; exit 42' TERM; echo ready; while true; do sleep 0.1; done`, wrenn.RunOptions{Stdin: true})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := h.Signal(ctx, wrenn.SIGTERM); err != nil {
		t.Fatal(err)
	}
	res, err = h.Wait(ctx)
	if err != nil || res.Stdout != "ready\ngot TERM\n" || res.ExitCode != 42 {
		t.Fatalf("after SIGTERM: %+v %v", res, err)
	}

	// Kill over the WebSocket.
	h, err = sb.Commands.Start(ctx, "sleep 60", wrenn.RunOptions{Stdin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := h.Wait(ctx); err != nil || res.ExitCode != -1 {
		t.Fatalf("after kill: %+v %v", res, err)
	}

	// Over NDJSON stdin is refused in so many words.
	h, err = sb.Commands.Start(ctx, "sleep 60", wrenn.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SendStdin(ctx, []byte("x")); !errors.Is(err, wrenn.ErrStdinNotSupported) {
		t.Fatalf("SendStdin over NDJSON: %v", err)
	}
	if err := h.Signal(ctx, wrenn.SIGTERM); !errors.Is(err, wrenn.ErrStdinNotSupported) {
		t.Fatalf("SIGTERM over NDJSON: %v", err)
	}
	if err := h.Kill(ctx); err != nil {
		t.Fatal(err)
	}

	// Errors before the upgrade are typed too.
	gone, err := c.CreateSandbox(ctx, wrenn.CreateOptions{Metadata: map[string]string{"run": runID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := gone.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := gone.Commands.Start(ctx, "cat", wrenn.RunOptions{Stdin: true}); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("WebSocket exec in a killed sandbox: %v", err)
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})
	f := sb.Files

	w, err := f.WriteString(ctx, "notes/hello.txt", "hello, wrenn\n")
	if err != nil || w.Path != "/home/user/notes/hello.txt" || w.Size != 13 {
		t.Fatalf("write: %+v %v", w, err)
	}
	text, err := f.ReadString(ctx, "/home/user/notes/hello.txt")
	if err != nil || text != "hello, wrenn\n" {
		t.Fatalf("read: %q %v", text, err)
	}
	binary := []byte{0, 1, 2, 0xff, 0xfe, '\n'}
	if _, err := f.Write(ctx, "notes/bin", binary); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Read(ctx, "notes/bin"); err != nil || !bytes.Equal(got, binary) {
		t.Fatalf("read bytes: %v %v", got, err)
	}
	if out := run(t, ctx, sb, "cat ~/notes/hello.txt"); out != "hello, wrenn\n" {
		t.Fatalf("the command sees %q", out)
	}

	entries, err := f.List(ctx, "notes")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]wrenn.EntryInfo{}
	for _, e := range entries {
		byName[e.Name] = e
	}
	if e, ok := byName["hello.txt"]; !ok || e.Type != wrenn.FileTypeFile || e.Size != 13 || e.Path != "/home/user/notes/hello.txt" || e.Owner != "user" || e.Mode.Perm() == 0 || e.ModifiedAt.IsZero() {
		t.Fatalf("list: %+v", entries)
	}
	if len(entries) != 2 {
		t.Fatalf("list has %d entries: %+v", len(entries), entries)
	}

	created, err := f.MakeDir(ctx, "notes/deep/er")
	if err != nil || !created {
		t.Fatalf("mkdir: %v %v", created, err)
	}
	created, err = f.MakeDir(ctx, "notes/deep/er")
	if err != nil || created {
		t.Fatalf("mkdir again: %v %v", created, err)
	}
	deep, err := f.List(ctx, "notes", wrenn.WithDepth(3))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range deep {
		if e.Path == "/home/user/notes/deep/er" && e.IsDir() {
			found = true
		}
	}
	if !found {
		t.Fatalf("depth 3 listing misses deep/er: %+v", deep)
	}

	for path, want := range map[string]bool{
		"notes/hello.txt": true, "/home/user/notes": true, "notes/deep/er": true, "notes/deep/er/": true,
		"notes/nope": false, "nope/nope": false, "notes/hello.txt/x": false, "/": true,
		"/etc/passwd": true, "/home/user/.bashrc": run(t, ctx, sb, "test -e ~/.bashrc && echo y || true") == "y\n",
	} {
		if got, err := f.Exists(ctx, path); err != nil || got != want {
			t.Errorf("Exists(%q) = %v %v, want %v", path, got, err, want)
		}
	}

	if err := f.Remove(ctx, "notes/hello.txt"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.Exists(ctx, "notes/hello.txt"); ok {
		t.Fatal("removed file still exists")
	}
	if err := f.Remove(ctx, "notes"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.Exists(ctx, "notes/deep"); ok {
		t.Fatal("removed directory still exists")
	}
	if _, err := f.Read(ctx, "notes/hello.txt"); !errors.Is(err, wrenn.ErrNotFound) {
		t.Fatalf("reading a removed file: %v", err)
	}
	if _, err := f.List(ctx, "notes"); !errors.Is(err, wrenn.ErrNotFound) {
		t.Fatalf("listing a removed directory: %v", err)
	}

	// Several files in one request, with nested and non-ASCII names, from bytes and from a reader.
	written, err := f.WriteFiles(ctx, []wrenn.WriteEntry{
		{Path: "multi/a.txt", Data: []byte("A")},
		{Path: "/tmp/multi/b.bin", Reader: strings.NewReader("BB")},
		{Path: "multi/ünï cödé.txt", Data: []byte("C")},
		{Path: "multi/empty", Data: []byte{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 4 || written[0].Path != "/home/user/multi/a.txt" || written[1].Size != 2 || written[2].Path != "/home/user/multi/ünï cödé.txt" || written[3].Size != 0 {
		t.Fatalf("write files: %+v", written)
	}
	if out := run(t, ctx, sb, "cat multi/a.txt /tmp/multi/b.bin 'multi/ünï cödé.txt'; stat -c %s multi/empty"); out != "ABBC0\n" {
		t.Fatalf("files written: %q", out)
	}

	// As another user.
	if _, err := f.WriteString(ctx, "/opt/owned-by-root", "r", wrenn.AsUser("root")); err != nil {
		t.Fatal(err)
	}
	if out := run(t, ctx, sb, "stat -c %U /opt/owned-by-root"); out != "root\n" {
		t.Fatalf("owner %q", out)
	}
	if _, err := f.WriteString(ctx, "x", "x", wrenn.AsUser("nobody-here")); !errors.Is(err, wrenn.ErrForbidden) {
		t.Fatalf("writing as an unknown user: %v", err)
	}
	if _, err := f.Read(ctx, "/home/user"); !errors.Is(err, wrenn.ErrBadRequest) {
		t.Fatalf("reading a directory: %v", err)
	}
}

// patternReader yields n pseudo-random bytes (the same for the same seed) without holding them.
type patternReader struct {
	rng  *rand.Rand
	left int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, _ := p.rng.Read(b)
	p.left -= int64(n)
	return n, nil
}

func TestLargeFileStreamsWithBoundedMemory(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 3*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{})
	size := int64(200 << 20)
	if v := os.Getenv("WRENN_TEST_LARGE_MB"); v != "" {
		mb, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		size = int64(mb) << 20
	}

	// Sample the heap while the transfer runs.
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > atomic.LoadUint64(&peak) {
				atomic.StoreUint64(&peak, m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	up := sha256.New()
	start := time.Now()
	w, err := sb.Files.WriteStream(ctx, "big.bin", io.TeeReader(&patternReader{rng: rand.New(rand.NewSource(42)), left: size}, up))
	if err != nil {
		t.Fatal(err)
	}
	upTime := time.Since(start)
	if w.Size != size {
		t.Fatalf("server wrote %d bytes, want %d", w.Size, size)
	}
	start = time.Now()
	rc, err := sb.Files.ReadStream(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	down := sha256.New()
	n, err := io.Copy(down, rc)
	rc.Close()
	downTime := time.Since(start)
	close(stop)
	<-sampled
	if err != nil || n != size {
		t.Fatalf("downloaded %d bytes: %v", n, err)
	}
	if !bytes.Equal(up.Sum(nil), down.Sum(nil)) {
		t.Fatal("downloaded bytes differ from the uploaded ones")
	}
	inSandbox := strings.Fields(run(t, ctx, sb, "sha256sum big.bin"))[0]
	if inSandbox != hex.EncodeToString(up.Sum(nil)) {
		t.Fatalf("sandbox sha256 %s differs", inSandbox)
	}
	// Other tests run alongside, so allow them some heap; a file held whole would need 200+ MB.
	limit := uint64(size / 4)
	if limit < 48<<20 {
		limit = 48 << 20
	}
	if p := atomic.LoadUint64(&peak); p > limit {
		t.Fatalf("heap peaked at %d MB while moving %d MB", p>>20, size>>20)
	}
	t.Logf("%d MB up in %v, down in %v, peak heap %d MB", size>>20, upTime.Round(time.Millisecond), downTime.Round(time.Millisecond), atomic.LoadUint64(&peak)>>20)
}

func TestPauseResumePingTimeoutMetrics(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	sb := newSandbox(t, c, wrenn.CreateOptions{Timeout: 90 * time.Second})
	if sb.LastKnownInfo().Timeout != 90*time.Second {
		t.Fatalf("timeout %v", sb.LastKnownInfo().Timeout)
	}
	if _, err := sb.Commands.Start(ctx, "sleep 600", wrenn.RunOptions{Background: true, Timeout: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := sb.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sb.SetTimeout(ctx, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if info, err := sb.Info(ctx); err != nil || info.Timeout != 2*time.Minute {
		t.Fatalf("after SetTimeout: %+v %v", info, err)
	}
	m, err := sb.Metrics(ctx)
	if err != nil || m.CPUCount != 1 || m.MemoryLimitBytes != 512<<20 || m.MemoryUsedBytes <= 0 {
		t.Fatalf("metrics %+v %v", m, err)
	}

	info, err := sb.Pause(ctx)
	if err != nil || info.State != wrenn.StatePaused {
		t.Fatalf("pause: %+v %v", info, err)
	}
	if _, err := sb.Commands.Run(ctx, "true", wrenn.RunOptions{}); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("run while paused: %v", err)
	}
	if _, err := sb.Files.Read(ctx, ".bashrc"); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("read while paused: %v", err)
	}
	if _, err := sb.Pause(ctx); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("pausing twice: %v", err)
	}
	info, err = sb.ResumeWithTimeout(ctx, 0)
	if err != nil || info.State != wrenn.StateRunning || info.Timeout != 0 {
		t.Fatalf("resume: %+v %v", info, err)
	}
	// Processes were frozen, not lost.
	if out := run(t, ctx, sb, "pgrep -c -x sleep"); strings.TrimSpace(out) != "1" {
		t.Fatalf("sleep after resume: %q", out)
	}
	if _, err := sb.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if info, err := sb.Resume(ctx); err != nil || info.State != wrenn.StateRunning {
		t.Fatalf("plain resume: %+v %v", info, err)
	}
}

func TestListAndConnect(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 2*time.Minute)
	label := "list-" + runID
	var ids []string
	for i := 0; i < 3; i++ {
		sb := newSandbox(t, c, wrenn.CreateOptions{Metadata: map[string]string{"label": label, "index": strconv.Itoa(i)}})
		ids = append(ids, sb.ID)
	}

	// PageSize 1 makes ListSandboxes follow cursors through three pages.
	list, err := c.ListSandboxes(ctx, wrenn.ListOptions{Metadata: map[string]string{"label": label}, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.ID)
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("listed %v, want %v (oldest first)", got, ids)
	}
	page, err := c.ListSandboxesPage(ctx, wrenn.ListOptions{Metadata: map[string]string{"label": label}, PageSize: 2}, "")
	if err != nil || len(page.Sandboxes) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	// Two metadata pairs must both match.
	one, err := c.ListSandboxes(ctx, wrenn.ListOptions{Metadata: map[string]string{"label": label, "index": "1"}})
	if err != nil || len(one) != 1 || one[0].ID != ids[1] {
		t.Fatalf("two pairs: %+v %v", one, err)
	}

	// State filter; connect resumes a paused sandbox.
	sb0, err := c.ConnectSandbox(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb0.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	paused, err := c.ListSandboxes(ctx, wrenn.ListOptions{States: []wrenn.SandboxState{wrenn.StatePaused}, Metadata: map[string]string{"label": label}})
	if err != nil || len(paused) != 1 || paused[0].ID != ids[0] {
		t.Fatalf("paused filter: %+v %v", paused, err)
	}
	again, err := c.ConnectSandbox(ctx, ids[0])
	if err != nil || again.LastKnownInfo().State != wrenn.StateRunning {
		t.Fatalf("connect to a paused sandbox: %+v %v", again, err)
	}
	if out := run(t, ctx, again, "echo connected"); out != "connected\n" {
		t.Fatal(out)
	}

	// Killed sandboxes leave the default listing but are still described.
	if err := c.KillSandbox(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	list, err = c.ListSandboxes(ctx, wrenn.ListOptions{Metadata: map[string]string{"label": label}})
	if err != nil || len(list) != 2 {
		t.Fatalf("after kill: %+v %v", list, err)
	}
	stopped, err := c.ListSandboxes(ctx, wrenn.ListOptions{States: []wrenn.SandboxState{wrenn.StateStopped}, Metadata: map[string]string{"label": label}})
	if err != nil || len(stopped) != 1 || stopped[0].ID != ids[2] {
		t.Fatalf("stopped filter: %+v %v", stopped, err)
	}
	if _, err := c.ConnectSandbox(ctx, ids[2]); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("connect to a stopped sandbox: %v", err)
	}
	if _, err := c.ConnectSandbox(ctx, "sb-0000000000000000"); !errors.Is(err, wrenn.ErrNotFound) {
		t.Fatalf("connect to an unknown sandbox: %v", err)
	}
	if _, err := c.ListSandboxes(ctx, wrenn.ListOptions{States: []wrenn.SandboxState{"sleeping"}}); !errors.Is(err, wrenn.ErrBadRequest) {
		t.Fatalf("unknown state: %v", err)
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, 3*time.Minute)
	src := newSandbox(t, c, wrenn.CreateOptions{VCPUs: 2, MemoryMB: 384})
	if _, err := src.Files.WriteString(ctx, "warm/state.txt", "prepared"); err != nil {
		t.Fatal(err)
	}
	name := "go-sdk-" + runID
	tpl, err := src.CreateTemplate(ctx, name)
	if err != nil {
		t.Fatalf("CreateTemplate: %v", err)
	}
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			_ = c.DeleteTemplate(context.Background(), name)
		}
	})
	if tpl.Name != name || tpl.SourceSandboxID != src.ID || tpl.BaseTemplate != "minimal" || tpl.VCPUs != 2 || tpl.MemoryMB != 384 || tpl.KeepsMemory || tpl.CreatedAt.IsZero() {
		t.Fatalf("template %+v", tpl)
	}
	if info, err := src.Info(ctx); err != nil || info.State != wrenn.StateRunning {
		t.Fatalf("source after template: %+v %v", info, err)
	}

	list, err := c.ListTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, l := range list {
		listed = listed || l.Name == name
	}
	if !listed {
		t.Fatalf("%s not in %+v", name, list)
	}

	if _, err := src.CreateTemplate(ctx, name); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("taken name: %v", err)
	}
	if _, err := src.CreateTemplate(ctx, "minimal"); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("base image name: %v", err)
	}
	if _, err := src.CreateTemplate(ctx, "Bad Name!"); !errors.Is(err, wrenn.ErrBadRequest) {
		t.Fatalf("bad name: %v", err)
	}

	child := newSandbox(t, c, wrenn.CreateOptions{Template: name})
	if info := child.LastKnownInfo(); info.Template != name || info.VCPUs != 2 || info.MemoryMB != 384 {
		t.Fatalf("child %+v", info)
	}
	if text, err := child.Files.ReadString(ctx, "warm/state.txt"); err != nil || text != "prepared" {
		t.Fatalf("child file: %q %v", text, err)
	}
	if _, err := c.CreateSandbox(ctx, wrenn.CreateOptions{Template: name, VCPUs: 1}); !errors.Is(err, wrenn.ErrBadRequest) {
		t.Fatalf("other vcpus than the template's: %v", err)
	}
	if err := c.DeleteTemplate(ctx, name); !errors.Is(err, wrenn.ErrConflict) {
		t.Fatalf("deleting a template in use: %v", err)
	}
	if err := child.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTemplate(ctx, name); err != nil {
		t.Fatalf("DeleteTemplate: %v", err)
	}
	deleted = true
	if err := c.DeleteTemplate(ctx, name); !errors.Is(err, wrenn.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := c.CreateSandbox(ctx, wrenn.CreateOptions{Template: name}); !errors.Is(err, wrenn.ErrNotFound) {
		t.Fatalf("sandbox from a deleted template: %v", err)
	}
}

func TestErrorsFromThePlatform(t *testing.T) {
	t.Parallel()
	c := platform(t)
	ctx := testContext(t, time.Minute)

	bad, err := wrenn.NewClient(wrenn.WithAPIURL(apiURL), wrenn.WithAPIKey("wrn_not_a_real_key"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.ListSandboxes(ctx, wrenn.ListOptions{})
	var apiErr *wrenn.APIError
	if !errors.Is(err, wrenn.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Code != "unauthorized" || apiErr.Message == "" {
		t.Fatalf("bad key: %#v", err)
	}
	_, err = c.GetSandbox(ctx, "sb-0000000000000000")
	if !errors.Is(err, wrenn.ErrNotFound) || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "sb-0000000000000000") {
		t.Fatalf("unknown sandbox: %v", err)
	}
	_, err = c.CreateSandbox(ctx, wrenn.CreateOptions{VCPUs: 99})
	if !errors.Is(err, wrenn.ErrBadRequest) || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "vcpus") {
		t.Fatalf("99 vcpus: %v", err)
	}
	if _, err := c.CreateSandbox(ctx, wrenn.CreateOptions{Template: "no-such-image"}); !errors.Is(err, wrenn.ErrNotFound) {
		t.Fatalf("unknown template: %v", err)
	}
	if h, err := c.Health(ctx); err != nil || h.Status != "ok" || h.ReadyHosts < 1 {
		t.Fatalf("health %+v %v", h, err)
	}
}

// TestConfigFromTheEnvironmentAndFile uses the configuration the platform script set up:
// WRENN_API_URL / WRENN_API_KEY and XDG_CONFIG_HOME/wrenn/config.json.
func TestConfigFromTheEnvironmentAndFile(t *testing.T) {
	platform(t)
	ctx := testContext(t, time.Minute)
	t.Setenv("WRENN_API_URL", apiURL)
	t.Setenv("WRENN_API_KEY", apiKey)
	c, err := wrenn.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListSandboxes(ctx, wrenn.ListOptions{}); err != nil {
		t.Fatalf("client from the environment: %v", err)
	}

	path, err := wrenn.DefaultConfigPath()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		// Outside scripts/with-platform.sh there may be no config file; write one.
		path = filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(path, []byte(fmt.Sprintf(`{"api_url":%q,"api_key":%q}`, apiURL, apiKey)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("WRENN_API_URL", "")
	t.Setenv("WRENN_API_KEY", "")
	c, err = wrenn.NewClient(wrenn.WithConfigFile(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListSandboxes(ctx, wrenn.ListOptions{}); err != nil {
		t.Fatalf("client from %s: %v", path, err)
	}
}
