package wrenn

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Template is a sandbox frozen under a name that new sandboxes start from
// (CreateOptions{Template: name}). With the container runtime a template keeps the sandbox's
// files only (KeepsMemory is false); VM runtimes keep memory and processes too.
type Template struct {
	// Name is what CreateOptions.Template takes.
	Name string `json:"name"`
	// SourceSandboxID is the sandbox the template was made from.
	SourceSandboxID string `json:"source_sandbox_id"`
	// BaseTemplate is the base image under it.
	BaseTemplate string `json:"base_template"`
	// VCPUs is what sandboxes made from it get.
	VCPUs int `json:"vcpus"`
	// MemoryMB is what sandboxes made from it get.
	MemoryMB int `json:"memory_mb"`
	// SizeBytes is the template's size on its host.
	SizeBytes int64 `json:"size_bytes"`
	// KeepsMemory says whether processes and memory are kept (VM runtimes) or files only.
	KeepsMemory bool `json:"keeps_memory"`
	// HostID is the host that holds the template; its sandboxes are placed there.
	HostID string `json:"host_id"`
	// CreatedAt is when the template was made.
	CreatedAt time.Time `json:"created_at"`
}

// CreateTemplate freezes a running or paused sandbox under name (1–63 of a-z 0-9 . _ -, starting
// with a letter or digit). The sandbox stays as it was. A taken name, a base image's name or a
// sandbox in another state is ErrConflict; a bad name is ErrBadRequest. Never retried.
func (c *Client) CreateTemplate(ctx context.Context, sandboxID, name string) (*Template, error) {
	var t Template
	body := map[string]string{"sandbox_id": sandboxID, "name": name}
	if err := c.doJSON(ctx, request{method: http.MethodPost, path: "/v1/snapshots", jsonBody: body}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateTemplate freezes this sandbox under name; see Client.CreateTemplate.
func (s *Sandbox) CreateTemplate(ctx context.Context, name string) (*Template, error) {
	return s.client.CreateTemplate(ctx, s.ID, name)
}

// ListTemplates returns your team's templates, oldest first.
func (c *Client) ListTemplates(ctx context.Context) ([]Template, error) {
	var body struct {
		Snapshots []Template `json:"snapshots"`
	}
	if err := c.doJSON(ctx, request{method: http.MethodGet, path: "/v1/snapshots", idempotent: true}, &body); err != nil {
		return nil, err
	}
	if body.Snapshots == nil {
		body.Snapshots = []Template{}
	}
	return body.Snapshots, nil
}

// DeleteTemplate removes a template. It is ErrConflict while live sandboxes use it and
// ErrNotFound when there is no such template.
func (c *Client) DeleteTemplate(ctx context.Context, name string) error {
	return c.doJSON(ctx, request{method: http.MethodDelete, path: "/v1/snapshots/" + url.PathEscape(name), idempotent: true}, nil)
}
