package wrenn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SandboxState is a sandbox's lifecycle state.
type SandboxState string

// The states a sandbox goes through.
const (
	// StateStarting: being created.
	StateStarting SandboxState = "starting"
	// StateRunning: commands and file calls work.
	StateRunning SandboxState = "running"
	// StatePausing: being paused.
	StatePausing SandboxState = "pausing"
	// StatePaused: frozen; Resume (or ConnectSandbox) continues it.
	StatePaused SandboxState = "paused"
	// StateResuming: being resumed.
	StateResuming SandboxState = "resuming"
	// StateStopped: killed; gone for good.
	StateStopped SandboxState = "stopped"
	// StateError: it broke; kill it.
	StateError SandboxState = "error"
	// StateLost: its host stopped answering; it runs again if the host comes back with it, and can be killed meanwhile.
	StateLost SandboxState = "lost"
)

// SandboxInfo is a sandbox as the API describes it.
type SandboxInfo struct {
	// ID looks like "sb-0123456789abcdef".
	ID string
	// State is where the sandbox is in its lifecycle.
	State SandboxState
	// Template is the base image or template the sandbox started from.
	Template string
	// VCPUs is the sandbox's CPU quota.
	VCPUs int
	// MemoryMB is the sandbox's memory limit.
	MemoryMB int
	// Timeout is the inactivity timeout after which the sandbox is paused; 0 means never.
	Timeout time.Duration
	// Metadata is what CreateOptions.Metadata gave (never nil).
	Metadata map[string]string
	// HostID names the host the sandbox runs on.
	HostID string
	// CreatedAt is when the sandbox was created.
	CreatedAt time.Time
	// LastActiveAt is the last command, file call or ping.
	LastActiveAt time.Time
}

type sandboxJSON struct {
	ID           string            `json:"id"`
	State        SandboxState      `json:"state"`
	Template     string            `json:"template"`
	VCPUs        int               `json:"vcpus"`
	MemoryMB     int               `json:"memory_mb"`
	TimeoutSec   int               `json:"timeout_sec"`
	Metadata     map[string]string `json:"metadata"`
	HostID       string            `json:"host_id"`
	CreatedAt    time.Time         `json:"created_at"`
	LastActiveAt time.Time         `json:"last_active_at"`
}

// UnmarshalJSON reads the API's snake_case form (timeout_sec in seconds).
func (s *SandboxInfo) UnmarshalJSON(data []byte) error {
	var j sandboxJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*s = SandboxInfo{
		ID: j.ID, State: j.State, Template: j.Template, VCPUs: j.VCPUs, MemoryMB: j.MemoryMB,
		Timeout: time.Duration(j.TimeoutSec) * time.Second, Metadata: j.Metadata, HostID: j.HostID,
		CreatedAt: j.CreatedAt, LastActiveAt: j.LastActiveAt,
	}
	if s.Metadata == nil {
		s.Metadata = map[string]string{}
	}
	return nil
}

// MarshalJSON writes the API's snake_case form.
func (s SandboxInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(sandboxJSON{
		ID: s.ID, State: s.State, Template: s.Template, VCPUs: s.VCPUs, MemoryMB: s.MemoryMB,
		TimeoutSec: seconds(s.Timeout), Metadata: s.Metadata, HostID: s.HostID,
		CreatedAt: s.CreatedAt, LastActiveAt: s.LastActiveAt,
	})
}

// seconds rounds d up to whole seconds (the API's unit).
func seconds(d time.Duration) int {
	if d <= 0 {
		return int(d / time.Second)
	}
	return int((d + time.Second - 1) / time.Second)
}

// CreateOptions are the settings of a new sandbox. Every field is optional: the zero value asks
// for the server's default.
type CreateOptions struct {
	// Template is a base image or template name; default "minimal".
	Template string
	// VCPUs is 1–32; default 1. A sandbox made from a template gets the template's.
	VCPUs int
	// MemoryMB is 128–65536; default 512. A sandbox made from a template gets the template's.
	MemoryMB int
	// Timeout is the inactivity after which the sandbox is paused (whole seconds, rounded up);
	// 0 means never.
	Timeout time.Duration
	// Metadata is up to 50 string pairs kept with the sandbox (ListOptions.Metadata filters on it).
	Metadata map[string]string
	// Env is the environment every process in the sandbox starts with.
	Env map[string]string
}

type createRequest struct {
	Template   string            `json:"template,omitempty"`
	VCPUs      int               `json:"vcpus,omitempty"`
	MemoryMB   int               `json:"memory_mb,omitempty"`
	TimeoutSec int               `json:"timeout_sec,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	Env        map[string]string `json:"env,omitempty"`
}

// Sandbox is a handle on one sandbox. Its methods are safe for concurrent use.
//
//	sb, err := client.CreateSandbox(ctx, wrenn.CreateOptions{})
//	if err != nil { … }
//	defer sb.Close()
type Sandbox struct {
	// ID is the sandbox's id, "sb-…".
	ID string
	// Commands runs commands in the sandbox.
	Commands *Commands
	// Files reads and writes the sandbox's files.
	Files *Files

	client *Client

	mu     sync.Mutex
	info   SandboxInfo
	closed bool
}

func (c *Client) newSandbox(info *SandboxInfo) *Sandbox {
	sb := &Sandbox{ID: info.ID, client: c, info: *info}
	sb.Commands = &Commands{sb: sb}
	sb.Files = &Files{sb: sb}
	return sb
}

// Client is the client this sandbox's calls go through.
func (s *Sandbox) Client() *Client { return s.client }

// LastKnownInfo is the sandbox as the last call that returned it (create, connect, Info, Pause,
// Resume, SetTimeout, Ping) saw it; it does no I/O. Call Info for the current state.
func (s *Sandbox) LastKnownInfo() SandboxInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

func (s *Sandbox) remember(info *SandboxInfo) {
	s.mu.Lock()
	s.info = *info
	s.mu.Unlock()
}

func (s *Sandbox) path(suffix string) string {
	return "/v1/sandboxes/" + url.PathEscape(s.ID) + suffix
}

// CreateSandbox starts a sandbox and returns once it can run commands. The call is never
// retried (a retry could leave two sandboxes). Close the sandbox (or Kill it) when done.
func (c *Client) CreateSandbox(ctx context.Context, opts CreateOptions) (*Sandbox, error) {
	body := createRequest{
		Template: opts.Template, VCPUs: opts.VCPUs, MemoryMB: opts.MemoryMB,
		TimeoutSec: seconds(opts.Timeout), Metadata: opts.Metadata, Env: opts.Env,
	}
	var info SandboxInfo
	if err := c.doJSON(ctx, request{method: http.MethodPost, path: "/v1/sandboxes", jsonBody: body}, &info); err != nil {
		return nil, err
	}
	return c.newSandbox(&info), nil
}

// ConnectSandbox returns a handle on an existing sandbox of your team. A paused sandbox is resumed
// first (as E2B's connect does). A stopped sandbox cannot be used again: ConnectSandbox then
// returns an *APIError matching ErrConflict; an unknown id gives ErrNotFound.
func (c *Client) ConnectSandbox(ctx context.Context, id string) (*Sandbox, error) {
	info, err := c.GetSandbox(ctx, id)
	if err != nil {
		return nil, err
	}
	sb := c.newSandbox(info)
	switch info.State {
	case StateStopped:
		return nil, &APIError{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf("sandbox %s is stopped", id), Method: http.MethodGet, Path: sb.path("")}
	case StatePaused:
		if _, err := sb.Resume(ctx); err != nil {
			return nil, err
		}
	}
	return sb, nil
}

// GetSandbox describes a sandbox, also one that was killed (State is then StateStopped).
func (c *Client) GetSandbox(ctx context.Context, id string) (*SandboxInfo, error) {
	var info SandboxInfo
	err := c.doJSON(ctx, request{method: http.MethodGet, path: "/v1/sandboxes/" + url.PathEscape(id), idempotent: true}, &info)
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// KillSandbox stops a sandbox and frees everything it held. Killing a stopped sandbox succeeds.
func (c *Client) KillSandbox(ctx context.Context, id string) error {
	return c.doJSON(ctx, request{method: http.MethodDelete, path: "/v1/sandboxes/" + url.PathEscape(id), idempotent: true}, nil)
}

// ListOptions filter ListSandboxes.
type ListOptions struct {
	// States keeps only sandboxes in these states. Empty means every state but stopped.
	States []SandboxState
	// Metadata keeps only sandboxes whose metadata has every one of these pairs.
	Metadata map[string]string
	// PageSize is how many sandboxes each request asks for (1–1000); 0 is the server's default (100).
	PageSize int
}

// SandboxPage is one page of ListSandboxesPage.
type SandboxPage struct {
	// Sandboxes on this page, oldest first.
	Sandboxes []SandboxInfo
	// NextCursor is passed to ListSandboxesPage for the next page; empty on the last page.
	NextCursor string
}

// ListSandboxes returns your team's sandboxes matching opts, oldest first, following the pages
// until the last one.
func (c *Client) ListSandboxes(ctx context.Context, opts ListOptions) ([]SandboxInfo, error) {
	all := []SandboxInfo{}
	seen := map[string]bool{}
	cursor := ""
	for {
		page, err := c.ListSandboxesPage(ctx, opts, cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Sandboxes...)
		if page.NextCursor == "" {
			return all, nil
		}
		if seen[page.NextCursor] {
			return nil, fmt.Errorf("wrenn: GET /v1/sandboxes: the server repeated cursor %q", page.NextCursor)
		}
		seen[page.NextCursor] = true
		cursor = page.NextCursor
	}
}

// ListSandboxesPage returns one page of ListSandboxes; cursor is "" for the first page, then the
// previous page's NextCursor.
func (c *Client) ListSandboxesPage(ctx context.Context, opts ListOptions, cursor string) (*SandboxPage, error) {
	q := url.Values{}
	if len(opts.States) > 0 {
		states := make([]string, len(opts.States))
		for i, s := range opts.States {
			states[i] = string(s)
		}
		q.Set("state", strings.Join(states, ","))
	}
	keys := make([]string, 0, len(opts.Metadata))
	for k := range opts.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Add("metadata", k+"="+opts.Metadata[k])
	}
	if opts.PageSize > 0 {
		q.Set("limit", strconv.Itoa(opts.PageSize))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var body struct {
		Sandboxes  []SandboxInfo `json:"sandboxes"`
		NextCursor *string       `json:"next_cursor"`
	}
	if err := c.doJSON(ctx, request{method: http.MethodGet, path: "/v1/sandboxes", query: q, idempotent: true}, &body); err != nil {
		return nil, err
	}
	page := &SandboxPage{Sandboxes: body.Sandboxes}
	if page.Sandboxes == nil {
		page.Sandboxes = []SandboxInfo{}
	}
	if body.NextCursor != nil {
		page.NextCursor = *body.NextCursor
	}
	return page, nil
}

// Info fetches the sandbox's current description.
func (s *Sandbox) Info(ctx context.Context) (*SandboxInfo, error) {
	info, err := s.client.GetSandbox(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	s.remember(info)
	return info, nil
}

// Kill stops the sandbox and frees everything it held. Killing it again succeeds.
func (s *Sandbox) Kill(ctx context.Context) error {
	if err := s.client.KillSandbox(ctx, s.ID); err != nil {
		return err
	}
	s.mu.Lock()
	s.closed = true
	s.info.State = StateStopped
	s.mu.Unlock()
	return nil
}

// Close kills the sandbox (waiting at most 30 seconds) unless Kill already did, so that
// `defer sb.Close()` cleans up. A sandbox that is already gone is not an error.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.Kill(ctx)
	if err != nil && errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (s *Sandbox) post(ctx context.Context, suffix string, body interface{}, idempotent bool) (*SandboxInfo, error) {
	var info SandboxInfo
	if body == nil {
		body = struct{}{}
	}
	if err := s.client.doJSON(ctx, request{method: http.MethodPost, path: s.path(suffix), jsonBody: body, idempotent: idempotent}, &info); err != nil {
		return nil, err
	}
	s.remember(&info)
	return &info, nil
}

// Pause freezes every process of the running sandbox where it stands; commands and file calls
// then fail with ErrConflict until Resume.
func (s *Sandbox) Pause(ctx context.Context) (*SandboxInfo, error) {
	return s.post(ctx, "/pause", nil, false)
}

// Resume continues a paused sandbox, keeping its inactivity timeout.
func (s *Sandbox) Resume(ctx context.Context) (*SandboxInfo, error) {
	return s.post(ctx, "/resume", nil, false)
}

// ResumeWithTimeout continues a paused sandbox and replaces its inactivity timeout (0 = never).
func (s *Sandbox) ResumeWithTimeout(ctx context.Context, timeout time.Duration) (*SandboxInfo, error) {
	return s.post(ctx, "/resume", map[string]int{"timeout_sec": seconds(timeout)}, false)
}

// Ping counts as activity: it restarts the sandbox's inactivity timer.
func (s *Sandbox) Ping(ctx context.Context) error {
	_, err := s.post(ctx, "/ping", nil, true)
	return err
}

// SetTimeout changes the inactivity timeout (whole seconds, rounded up; 0 = never). The host
// applies it from the next resume.
func (s *Sandbox) SetTimeout(ctx context.Context, timeout time.Duration) error {
	_, err := s.post(ctx, "/timeout", map[string]int{"timeout_sec": seconds(timeout)}, true)
	return err
}

// Metrics is a sandbox's resource use.
type Metrics struct {
	// CPUUsedPct is the average CPU use over the sandbox's life, as a percentage of its vcpus.
	CPUUsedPct float64 `json:"cpu_used_pct"`
	// CPUCount is the sandbox's vcpus.
	CPUCount int `json:"cpu_count"`
	// MemoryUsedBytes is the sandbox's cgroup memory use now.
	MemoryUsedBytes int64 `json:"memory_used_bytes"`
	// MemoryLimitBytes is its memory limit.
	MemoryLimitBytes int64 `json:"memory_limit_bytes"`
	// DiskUsedBytes is what the sandbox wrote.
	DiskUsedBytes int64 `json:"disk_used_bytes"`
}

// Metrics returns the sandbox's CPU, memory and disk use.
func (s *Sandbox) Metrics(ctx context.Context) (*Metrics, error) {
	var m Metrics
	if err := s.client.doJSON(ctx, request{method: http.MethodGet, path: s.path("/metrics"), idempotent: true}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}
