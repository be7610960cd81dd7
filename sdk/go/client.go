package wrenn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"time"
)

// Version is this SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// Client talks to one Wrenn control plane with one API key. It is safe for concurrent use.
type Client struct {
	apiURL     string
	apiKey     string
	httpClient *http.Client
	retry      RetryPolicy
	userAgent  string
	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient makes a Client. The API URL and key come from, in this order: WithAPIURL /
// WithAPIKey, the WRENN_API_URL / WRENN_API_KEY environment variables, and the config file
// $XDG_CONFIG_HOME/wrenn/config.json (default ~/.config/wrenn/config.json) {"api_url","api_key"}
// that `wrenn up` writes. It returns an error wrapping ErrNoCredentials when one is still missing.
func NewClient(opts ...Option) (*Client, error) {
	o := &clientOptions{}
	for _, opt := range opts {
		opt(o)
	}
	apiURL, apiKey, err := resolveConfig(o)
	if err != nil {
		return nil, err
	}
	c := &Client{
		apiURL:     apiURL,
		apiKey:     apiKey,
		httpClient: o.httpClient,
		retry:      DefaultRetryPolicy,
		userAgent:  "wrenn-go/" + Version,
		sleep:      sleepContext,
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{}
	}
	if o.retry != nil {
		c.retry = *o.retry
	}
	if o.userAgent != "" {
		c.userAgent = o.userAgent
	}
	return c, nil
}

// APIURL is the control plane's base URL this client uses.
func (c *Client) APIURL() string { return c.apiURL }

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// request describes one API call.
type request struct {
	method string
	path   string
	query  url.Values
	// jsonBody is marshalled to the body (replayable, so retries are possible).
	jsonBody interface{}
	// body streams a body that cannot be replayed; such calls are never retried.
	body        io.Reader
	contentType string
	accept      string
	// idempotent calls are retried after connection errors and 502/503/504.
	idempotent bool
}

// do sends r and returns the response of a 2xx answer with its body open. Error answers become
// *APIError; transport failures are wrapped with the method and path.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	if ctx == nil {
		return nil, fmt.Errorf("wrenn: %s %s: nil context", r.method, r.path)
	}
	var payload []byte
	if r.jsonBody != nil {
		var err error
		if payload, err = json.Marshal(r.jsonBody); err != nil {
			return nil, fmt.Errorf("wrenn: %s %s: %w", r.method, r.path, err)
		}
	}
	target := c.apiURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	attempts := c.retry.MaxAttempts
	if !r.idempotent || r.body != nil || attempts < 1 {
		attempts = 1
	}
	for attempt := 1; ; attempt++ {
		var body io.Reader
		switch {
		case payload != nil:
			body = bytes.NewReader(payload)
		case r.body != nil:
			body = r.body
		}
		req, err := http.NewRequestWithContext(ctx, r.method, target, body)
		if err != nil {
			return nil, fmt.Errorf("wrenn: %s %s: %w", r.method, r.path, err)
		}
		req.Header.Set("X-API-Key", c.apiKey)
		req.Header.Set("User-Agent", c.userAgent)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		} else if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		if r.accept != "" {
			req.Header.Set("Accept", r.accept)
		} else {
			req.Header.Set("Accept", "application/json")
		}

		resp, err := c.httpClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("wrenn: %s %s: %w", r.method, r.path, ctx.Err())
			}
			if attempt < attempts {
				if serr := c.sleep(ctx, c.jitter(attempt)); serr != nil {
					return nil, fmt.Errorf("wrenn: %s %s: %w", r.method, r.path, serr)
				}
				continue
			}
			return nil, fmt.Errorf("wrenn: %s %s: %w", r.method, r.path, err)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		if attempt < attempts && retryableStatus(resp.StatusCode) {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if serr := c.sleep(ctx, c.jitter(attempt)); serr != nil {
				return nil, fmt.Errorf("wrenn: %s %s: %w", r.method, r.path, serr)
			}
			continue
		}
		return nil, newAPIErrorFromResponse(resp, r.method, r.path)
	}
}

func retryableStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// jitter is a random wait between half and all of the policy's backoff for this retry.
func (c *Client) jitter(retry int) time.Duration {
	d := c.retry.Backoff(retry)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + time.Duration(rand.Int63n(int64(d-half)+1))
}

// doJSON sends r and decodes a JSON answer into out (when out is not nil).
func (c *Client) doJSON(ctx context.Context, r request, out interface{}) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("wrenn: %s %s: decoding the answer: %w", r.method, r.path, err)
	}
	return nil
}

// Health is the answer of GET /health.
type Health struct {
	// Status is "ok" when sandboxes can be created.
	Status string `json:"status"`
	// ReadyHosts counts the host agents that answer.
	ReadyHosts int `json:"ready_hosts"`
}

// Health asks whether the platform can create sandboxes (at least one host is ready). A platform
// without a ready host answers with an *APIError matching ErrNoCapacity.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.doJSON(ctx, request{method: http.MethodGet, path: "/health", idempotent: true}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}
