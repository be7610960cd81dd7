package wrenn

// Unit tests for configuration, error mapping and the retry policy. They talk to small fake
// servers on loopback; behaviour against the real platform is in integration_test.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// isolateConfig clears every source of configuration for the test.
func isolateConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(EnvAPIURL, "")
	t.Setenv(EnvAPIKey, "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	return dir
}

func writeConfig(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// keyServer answers every request with 200 {} and records the API key and path it saw.
func keyServer(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	seen := &[]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*seen = append(*seen, r.Header.Get("X-API-Key")+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok","ready_hosts":1}`)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestConfigOptionsBeatEnvironmentWhichBeatsTheFile(t *testing.T) {
	dir := isolateConfig(t)
	fileSrv, fileSeen := keyServer(t)
	envSrv, envSeen := keyServer(t)
	writeConfig(t, filepath.Join(dir, "xdg", "wrenn", "config.json"), fmt.Sprintf(`{"api_url":%q,"api_key":"wrn_file"}`, fileSrv.URL))

	// Only the file.
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := (*fileSeen)[0]; got != "wrn_file /health" {
		t.Fatalf("file config: server saw %q", got)
	}

	// The environment wins over the file, field by field: the key still comes from the file.
	t.Setenv(EnvAPIURL, envSrv.URL+"/")
	c, err = NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL() != envSrv.URL {
		t.Fatalf("APIURL = %q, want %q (trailing slash trimmed)", c.APIURL(), envSrv.URL)
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := (*envSeen)[0]; got != "wrn_file /health" {
		t.Fatalf("env URL + file key: server saw %q", got)
	}

	// Options win over both.
	t.Setenv(EnvAPIKey, "wrn_env")
	c, err = NewClient(WithAPIKey("wrn_option"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := (*envSeen)[1]; got != "wrn_option /health" {
		t.Fatalf("option key: server saw %q", got)
	}
	c, err = NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := (*envSeen)[2]; got != "wrn_env /health" {
		t.Fatalf("env key: server saw %q", got)
	}
}

func TestConfigFileDefaultsToHomeDotConfig(t *testing.T) {
	dir := isolateConfig(t)
	t.Setenv("XDG_CONFIG_HOME", "")
	writeConfig(t, filepath.Join(dir, "home", ".config", "wrenn", "config.json"), `{"api_url":"http://127.0.0.1:1","api_key":"wrn_home"}`)
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL() != "http://127.0.0.1:1" || c.apiKey != "wrn_home" {
		t.Fatalf("got %q %q", c.APIURL(), c.apiKey)
	}
	if p, _ := DefaultConfigPath(); p != filepath.Join(dir, "home", ".config", "wrenn", "config.json") {
		t.Fatalf("DefaultConfigPath = %q", p)
	}
}

func TestConfigWithConfigFile(t *testing.T) {
	dir := isolateConfig(t)
	path := filepath.Join(dir, "elsewhere.json")
	writeConfig(t, path, `{"api_url":"https://wrenn.example:8443","api_key":"wrn_custom"}`)
	c, err := NewClient(WithConfigFile(path))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL() != "https://wrenn.example:8443" || c.apiKey != "wrn_custom" {
		t.Fatalf("got %q %q", c.APIURL(), c.apiKey)
	}
}

func TestConfigMissingSaysWhatIsMissing(t *testing.T) {
	isolateConfig(t)
	_, err := NewClient(WithAPIURL("http://127.0.0.1:1"))
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("expected ErrNoCredentials, got %v", err)
	}
	if !strings.Contains(err.Error(), EnvAPIKey) || strings.Contains(err.Error(), EnvAPIURL) {
		t.Fatalf("the message should name only the missing key: %v", err)
	}
	_, err = NewClient()
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), EnvAPIURL) {
		t.Fatalf("expected ErrNoCredentials naming the URL, got %v", err)
	}
}

func TestConfigMalformedFileIsAnError(t *testing.T) {
	dir := isolateConfig(t)
	path := filepath.Join(dir, "xdg", "wrenn", "config.json")
	writeConfig(t, path, `{"api_url": `)
	_, err := NewClient()
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("expected an error naming %s, got %v", path, err)
	}
	// A file that is not needed is not read.
	if _, err := NewClient(WithAPIURL("http://127.0.0.1:1"), WithAPIKey("wrn_x")); err != nil {
		t.Fatalf("explicit options should not read the file: %v", err)
	}
}

func TestConfigRejectsANonHTTPURL(t *testing.T) {
	isolateConfig(t)
	for _, u := range []string{"127.0.0.1:8080", "ftp://x", "http://"} {
		if _, err := NewClient(WithAPIURL(u), WithAPIKey("wrn_x")); err == nil {
			t.Errorf("URL %q was accepted", u)
		}
	}
}

// fakeServer answers with the given handler and counts requests.
type fakeServer struct {
	*httptest.Server
	calls int32
}

func newFake(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, call int)) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(atomic.AddInt32(&f.calls, 1))
		handler(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) count() int { return int(atomic.LoadInt32(&f.calls)) }

func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, message)
}

// testClient makes a client for url whose retries do not really sleep; the waits are recorded.
func testClient(t *testing.T, url string, policy RetryPolicy) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := NewClient(WithAPIURL(url), WithAPIKey("wrn_test"), WithRetryPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits
}

const sandboxJSONBody = `{"id":"sb-1","state":"running","template":"minimal","vcpus":1,"memory_mb":512,"timeout_sec":30,"metadata":{"k":"v"},"host_id":"host-1","created_at":"2026-01-01T00:00:00Z","last_active_at":"2026-01-01T00:00:01Z"}`

func TestErrorEnvelopeMapsToSentinels(t *testing.T) {
	sentinels := []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrPayloadTooLarge, ErrRateLimited, ErrInternal, ErrHostUnavailable, ErrNoCapacity, ErrTimeout}
	cases := []struct {
		status int
		code   string
		want   error
	}{
		{400, "bad_request", ErrBadRequest},
		{401, "unauthorized", ErrUnauthorized},
		{403, "forbidden", ErrForbidden},
		{404, "not_found", ErrNotFound},
		{409, "conflict", ErrConflict},
		{413, "payload_too_large", ErrPayloadTooLarge},
		{429, "rate_limited", ErrRateLimited},
		{500, "internal", ErrInternal},
		{502, "host_unavailable", ErrHostUnavailable},
		{503, "no_capacity", ErrNoCapacity},
		{504, "timeout", ErrTimeout},
	}
	for _, tc := range cases {
		tc := tc
		t.Run(tc.code, func(t *testing.T) {
			srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				writeError(w, tc.status, tc.code, "the message for "+tc.code)
			})
			c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
			_, err := c.GetSandbox(context.Background(), "sb-1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("expected *APIError, got %T %v", err, err)
			}
			if apiErr.Status != tc.status || apiErr.Code != tc.code || apiErr.Message != "the message for "+tc.code {
				t.Fatalf("got %+v", apiErr)
			}
			if apiErr.Method != "GET" || apiErr.Path != "/v1/sandboxes/sb-1" {
				t.Fatalf("request not named: %+v", apiErr)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tc.want) {
					t.Errorf("errors.Is(%s, %v) = %v", tc.code, s, got)
				}
			}
			if got := errors.Is(err, ErrServer); got != (tc.status >= 500) {
				t.Errorf("errors.Is(%s, ErrServer) = %v", tc.code, got)
			}
			if !strings.Contains(err.Error(), tc.code) || !strings.Contains(err.Error(), "the message for") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestErrorWithoutEnvelopeUsesTheStatus(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>bad gateway from a proxy</html>")
	})
	c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
	_, err := c.ListTemplates(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "host_unavailable" || !strings.Contains(apiErr.Message, "bad gateway from a proxy") {
		t.Fatalf("got %#v", err)
	}
	if !errors.Is(err, ErrHostUnavailable) || !errors.Is(err, ErrServer) || errors.Is(err, ErrNotFound) {
		t.Fatalf("wrong sentinel matches for %v", err)
	}

	// An unknown code with a known status matches by status; an unknown status matches nothing.
	srv2 := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeError(w, 404, "something_new", "x")
			return
		}
		writeError(w, 418, "teapot", "y")
	})
	c2, _ := testClient(t, srv2.URL, RetryPolicy{MaxAttempts: 1})
	if _, err := c2.GetSandbox(context.Background(), "sb-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown code on 404: %v", err)
	}
	_, err = c2.GetSandbox(context.Background(), "sb-1")
	for _, s := range []error{ErrBadRequest, ErrNotFound, ErrServer, ErrConflict} {
		if errors.Is(err, s) {
			t.Fatalf("418 matched %v", s)
		}
	}
}

func TestDecodesSandboxes(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		io.WriteString(w, sandboxJSONBody)
	})
	c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
	info, err := c.GetSandbox(context.Background(), "sb-1")
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "sb-1" || info.State != StateRunning || info.VCPUs != 1 || info.MemoryMB != 512 ||
		info.Timeout != 30*time.Second || info.Metadata["k"] != "v" || info.HostID != "host-1" ||
		!info.CreatedAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("decoded %+v", info)
	}
}

func TestIdempotentCallsAreRetriedOn502503504(t *testing.T) {
	policy := RetryPolicy{MaxAttempts: 4, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 250 * time.Millisecond}
	statuses := []int{503, 502, 504}
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n <= len(statuses) {
			writeError(w, statuses[n-1], "no_capacity", "try again")
			return
		}
		io.WriteString(w, sandboxJSONBody)
	})
	c, waits := testClient(t, srv.URL, policy)
	info, err := c.GetSandbox(context.Background(), "sb-1")
	if err != nil || info.ID != "sb-1" {
		t.Fatalf("GetSandbox after 3 failures: %v %v", info, err)
	}
	if srv.count() != 4 {
		t.Fatalf("%d attempts, want 4", srv.count())
	}
	// Waits grow exponentially with jitter (half to all of 100, 200, 250 ms), capped.
	bounds := [][2]time.Duration{{50, 100}, {100, 200}, {125, 250}}
	if len(*waits) != 3 {
		t.Fatalf("waits %v", *waits)
	}
	for i, w := range *waits {
		lo, hi := bounds[i][0]*time.Millisecond, bounds[i][1]*time.Millisecond
		if w < lo || w > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, lo, hi)
		}
	}
}

func TestRetriesStopAtMaxAttempts(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method != http.MethodDelete {
			t.Errorf("unexpected %s", r.Method)
		}
		writeError(w, 504, "timeout", "slow")
	})
	c, waits := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond})
	err := c.KillSandbox(context.Background(), "sb-1")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("expected the last answer's error, got %v", err)
	}
	if srv.count() != 3 || len(*waits) != 2 {
		t.Fatalf("%d attempts, %d waits; want 3 and 2", srv.count(), len(*waits))
	}
}

func TestNonIdempotentCallsAreNeverRetried(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		io.Copy(io.Discard, r.Body)
		writeError(w, 503, "no_capacity", "full")
	})
	c, waits := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 5, InitialBackoff: time.Millisecond})
	ctx := context.Background()
	sb := c.newSandbox(&SandboxInfo{ID: "sb-1"})
	calls := map[string]func() error{
		"create":          func() error { _, err := c.CreateSandbox(ctx, CreateOptions{}); return err },
		"run":             func() error { _, err := sb.Commands.Run(ctx, "true", RunOptions{}); return err },
		"exec/stream":     func() error { _, err := sb.Commands.Start(ctx, "true", RunOptions{}); return err },
		"pause":           func() error { _, err := sb.Pause(ctx); return err },
		"resume":          func() error { _, err := sb.Resume(ctx); return err },
		"create template": func() error { _, err := c.CreateTemplate(ctx, "sb-1", "t"); return err },
		"upload":          func() error { _, err := sb.Files.Write(ctx, "f", []byte("x")); return err },
		"multipart": func() error {
			_, err := sb.Files.WriteFiles(ctx, []WriteEntry{{Path: "a", Data: []byte("x")}})
			return err
		},
	}
	for name, call := range calls {
		before := srv.count()
		if err := call(); !errors.Is(err, ErrNoCapacity) {
			t.Errorf("%s: expected ErrNoCapacity, got %v", name, err)
		}
		if got := srv.count() - before; got != 1 {
			t.Errorf("%s: %d attempts, want 1", name, got)
		}
	}
	if len(*waits) != 0 {
		t.Fatalf("waited %v", *waits)
	}
}

func TestSafeToRepeatCallsAreRetried(t *testing.T) {
	ctx := context.Background()
	for name, call := range map[string]func(sb *Sandbox) error{
		"ping":        func(sb *Sandbox) error { return sb.Ping(ctx) },
		"set timeout": func(sb *Sandbox) error { return sb.SetTimeout(ctx, time.Minute) },
		"info":        func(sb *Sandbox) error { _, err := sb.Info(ctx); return err },
		"kill":        func(sb *Sandbox) error { return sb.Kill(ctx) },
		"list":        func(sb *Sandbox) error { _, err := sb.Client().ListSandboxes(ctx, ListOptions{}); return err },
		"metrics":     func(sb *Sandbox) error { _, err := sb.Metrics(ctx); return err },
		"mkdir":       func(sb *Sandbox) error { _, err := sb.Files.MakeDir(ctx, "d"); return err },
		"remove":      func(sb *Sandbox) error { return sb.Files.Remove(ctx, "d") },
		"read":        func(sb *Sandbox) error { _, err := sb.Files.Read(ctx, "f"); return err },
	} {
		srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				writeError(w, 502, "host_unavailable", "agent restarting")
				return
			}
			switch {
			case r.Method == http.MethodDelete:
				w.WriteHeader(http.StatusNoContent)
			case strings.HasSuffix(r.URL.Path, "/mkdir"):
				io.WriteString(w, `{"entry":null,"created":true}`)
			case r.URL.Path == "/v1/sandboxes":
				io.WriteString(w, `{"sandboxes":[],"next_cursor":null}`)
			case strings.HasSuffix(r.URL.Path, "/metrics"):
				io.WriteString(w, `{"cpu_count":1}`)
			case strings.HasSuffix(r.URL.Path, "/files"):
				io.WriteString(w, "content")
			default:
				io.WriteString(w, sandboxJSONBody)
			}
		})
		c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond})
		if err := call(c.newSandbox(&SandboxInfo{ID: "sb-1"})); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if srv.count() != 2 {
			t.Errorf("%s: %d attempts, want 2", name, srv.count())
		}
	}
}

func TestServerErrorsOtherThan502503504AreNotRetried(t *testing.T) {
	for _, status := range []int{400, 404, 409, 429, 500} {
		srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeError(w, status, "x", "no")
		})
		c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 4, InitialBackoff: time.Millisecond})
		if _, err := c.GetSandbox(context.Background(), "sb-1"); err == nil {
			t.Fatalf("%d: no error", status)
		}
		if srv.count() != 1 {
			t.Errorf("status %d: %d attempts, want 1", status, srv.count())
		}
	}
}

// closedAddress is a loopback URL where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestConnectionErrorsAreRetriedOnlyForIdempotentCalls(t *testing.T) {
	url := closedAddress(t)
	c, waits := testClient(t, url, RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond})
	_, err := c.GetSandbox(context.Background(), "sb-1")
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("expected a connection error, got %v", err)
	}
	if !strings.Contains(err.Error(), "GET /v1/sandboxes/sb-1") {
		t.Fatalf("error does not name the request: %v", err)
	}
	if len(*waits) != 2 {
		t.Fatalf("GET: %d waits, want 2", len(*waits))
	}
	*waits = nil
	if _, err := c.CreateSandbox(context.Background(), CreateOptions{}); err == nil {
		t.Fatal("create against a closed port succeeded")
	}
	if len(*waits) != 0 {
		t.Fatalf("create was retried: %v", *waits)
	}
}

func TestCancellingDuringBackoffStopsRetrying(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 503, "no_capacity", "full")
	})
	c, err := NewClient(WithAPIURL(srv.URL), WithAPIKey("wrn_x"), WithRetryPolicy(RetryPolicy{MaxAttempts: 10, InitialBackoff: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetSandbox(ctx, "sb-1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expected the context's error, got %v", err)
	}
	if time.Since(start) > 5*time.Second || srv.count() != 1 {
		t.Fatalf("took %v and %d attempts", time.Since(start), srv.count())
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w*time.Millisecond {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if p.Backoff(0) != 0 || (RetryPolicy{}).Backoff(3) != 0 {
		t.Error("Backoff of retry 0 or of an empty policy should be 0")
	}
}

func TestListFollowsCursorsAndSendsFilters(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		q := r.URL.Query()
		if q.Get("state") != "running,paused" || strings.Join(q["metadata"], "&") != "app=web&team=a b" || q.Get("limit") != "1" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		switch q.Get("cursor") {
		case "":
			io.WriteString(w, `{"sandboxes":[{"id":"sb-a"}],"next_cursor":"c1"}`)
		case "c1":
			io.WriteString(w, `{"sandboxes":[{"id":"sb-b"}],"next_cursor":"c2"}`)
		case "c2":
			io.WriteString(w, `{"sandboxes":[{"id":"sb-c"}],"next_cursor":null}`)
		default:
			t.Errorf("cursor %q", q.Get("cursor"))
		}
	})
	c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
	got, err := c.ListSandboxes(context.Background(), ListOptions{
		States: []SandboxState{StateRunning, StatePaused}, Metadata: map[string]string{"team": "a b", "app": "web"}, PageSize: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "sb-a,sb-b,sb-c" {
		t.Fatalf("ids %v", ids)
	}

	loop := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		io.WriteString(w, `{"sandboxes":[],"next_cursor":"same"}`)
	})
	c2, _ := testClient(t, loop.URL, RetryPolicy{MaxAttempts: 1})
	if _, err := c2.ListSandboxes(context.Background(), ListOptions{}); err == nil || loop.count() > 3 {
		t.Fatalf("a repeated cursor should stop the listing: %v after %d calls", err, loop.count())
	}
}

func TestStreamEventsBecomeResultsAndErrors(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("Accept") != "application/x-ndjson" {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		switch n {
		case 1: // output, some of it base64, then a normal exit
			io.WriteString(w, `{"type":"started","pid":7}`+"\n"+
				`{"type":"stdout","data":"héllo ","encoding":"utf-8"}`+"\n"+
				`{"type":"stderr","data":"warn","encoding":"utf-8"}`+"\n"+
				`{"type":"stdout","data":"/w==","encoding":"base64"}`+"\n"+
				`{"type":"exit","exit_code":3,"status":"exit status 3","timed_out":false}`+"\n")
		case 2: // timed out
			io.WriteString(w, `{"type":"started","pid":8}`+"\n"+`{"type":"stdout","data":"partial","encoding":"utf-8"}`+"\n"+
				`{"type":"exit","exit_code":-1,"status":"signal: killed","timed_out":true}`+"\n")
		case 3: // failed before starting
			io.WriteString(w, `{"type":"error","code":"not_found","message":"no such thing"}`+"\n")
		case 4: // failed midway
			io.WriteString(w, `{"type":"started","pid":9}`+"\n"+`{"type":"error","code":"host_unavailable","message":"agent gone"}`+"\n")
		case 5: // cut off
			io.WriteString(w, `{"type":"started","pid":10}`+"\n"+`{"type":"stdout","data":"a","encoding":"utf-8"}`+"\n")
		}
	})
	c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
	sb := c.newSandbox(&SandboxInfo{ID: "sb-1"})
	ctx := context.Background()
	var chunks []string
	res, err := sb.Commands.Run(ctx, "x", RunOptions{OnStdout: func(s string) { chunks = append(chunks, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "héllo \xff" || res.Stderr != "warn" || res.ExitCode != 3 || res.PID != 7 {
		t.Fatalf("result %+v", res)
	}
	if len(chunks) != 2 || chunks[0] != "héllo " || chunks[1] != "\xff" {
		t.Fatalf("chunks %q", chunks)
	}

	res, err = sb.Commands.Run(ctx, "x", RunOptions{OnStdout: func(string) {}})
	var te *CommandTimeoutError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &te) || te.Result.Stdout != "partial" || res.Stdout != "partial" {
		t.Fatalf("timeout: %v %+v", err, res)
	}

	if _, err := sb.Commands.Start(ctx, "x", RunOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("error before start: %v", err)
	}

	h, err := sb.Commands.Start(ctx, "x", RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Wait(ctx); !errors.Is(err, ErrHostUnavailable) {
		t.Fatalf("error midway: %v", err)
	}

	h, err = sb.Commands.Start(ctx, "x", RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := h.Wait(ctx); !errors.Is(err, io.ErrUnexpectedEOF) || res.Stdout != "a" {
		t.Fatalf("cut-off stream: %v %+v", err, res)
	}
	if err := h.SendStdin(ctx, []byte("x")); !errors.Is(err, ErrStdinNotSupported) {
		t.Fatalf("stdin over NDJSON: %v", err)
	}
}

func TestCheckTurnsANonZeroExitIntoAnError(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		io.WriteString(w, `{"type":"started","pid":3}`+"\n"+`{"type":"stderr","data":"boom\n","encoding":"utf-8"}`+"\n"+
			`{"type":"exit","exit_code":2,"status":"exit status 2","timed_out":false}`+"\n")
	})
	c, _ := testClient(t, srv.URL, RetryPolicy{MaxAttempts: 1})
	sb := c.newSandbox(&SandboxInfo{ID: "sb-1"})
	res, err := sb.Commands.Run(context.Background(), "x", RunOptions{})
	if err != nil || res.ExitCode != 2 || res.Stderr != "boom\n" {
		t.Fatalf("without Check: %+v %v", res, err)
	}
	_, err = sb.Commands.Run(context.Background(), "x", RunOptions{Check: true})
	var exitErr *CommandExitError
	if !errors.As(err, &exitErr) || exitErr.Result.ExitCode != 2 || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("with Check: %v", err)
	}
}
