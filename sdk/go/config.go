package wrenn

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Environment variables read by NewClient when no option gives the value.
const (
	// EnvAPIURL names the variable holding the control plane's base URL.
	EnvAPIURL = "WRENN_API_URL"
	// EnvAPIKey names the variable holding the API key.
	EnvAPIKey = "WRENN_API_KEY"
)

// ErrNoCredentials is returned by NewClient when neither an option, the environment nor the
// config file gives an API URL or an API key.
var ErrNoCredentials = errors.New("wrenn: no API URL or API key configured")

// Option configures a Client made by NewClient.
type Option func(*clientOptions)

type clientOptions struct {
	apiURL     string
	apiKey     string
	configPath string
	httpClient *http.Client
	retry      *RetryPolicy
	userAgent  string
}

// WithAPIURL sets the control plane's base URL (for example "http://127.0.0.1:8080"), overriding
// WRENN_API_URL and the config file.
func WithAPIURL(apiURL string) Option { return func(o *clientOptions) { o.apiURL = apiURL } }

// WithAPIKey sets the API key ("wrn_…"), overriding WRENN_API_KEY and the config file.
func WithAPIKey(apiKey string) Option { return func(o *clientOptions) { o.apiKey = apiKey } }

// WithConfigFile reads the config file at path instead of $XDG_CONFIG_HOME/wrenn/config.json.
func WithConfigFile(path string) Option { return func(o *clientOptions) { o.configPath = path } }

// WithHTTPClient makes the Client send its requests with hc. Leave hc.Timeout at zero: it would
// also cut off long downloads, uploads and streamed commands; use contexts for deadlines instead.
func WithHTTPClient(hc *http.Client) Option { return func(o *clientOptions) { o.httpClient = hc } }

// WithRetryPolicy replaces DefaultRetryPolicy. RetryPolicy{MaxAttempts: 1} turns retries off.
func WithRetryPolicy(p RetryPolicy) Option { return func(o *clientOptions) { o.retry = &p } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(o *clientOptions) { o.userAgent = ua } }

// RetryPolicy says how often and how patiently idempotent calls (GET, DELETE and calls safe to
// repeat, such as ping) are retried after a connection error or a 502, 503 or 504 answer. Calls
// that create something or run a command are never retried.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt too; 1 (or less) means no retries.
	MaxAttempts int
	// InitialBackoff is the wait before the first retry; it doubles on every further retry.
	InitialBackoff time.Duration
	// MaxBackoff caps the wait between two attempts.
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is used unless WithRetryPolicy says otherwise: four attempts, waiting about
// 0.25 s, 0.5 s and 1 s in between.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, InitialBackoff: 250 * time.Millisecond, MaxBackoff: 4 * time.Second}

// Backoff is the wait before retry number retry (1 for the first retry): InitialBackoff doubled
// retry-1 times, capped at MaxBackoff. The client sleeps a random time between half of it and
// all of it, so clients that failed together do not retry together.
func (p RetryPolicy) Backoff(retry int) time.Duration {
	if retry < 1 || p.InitialBackoff <= 0 {
		return 0
	}
	d := p.InitialBackoff
	for i := 1; i < retry; i++ {
		d *= 2
		if p.MaxBackoff > 0 && d >= p.MaxBackoff {
			break
		}
	}
	if p.MaxBackoff > 0 && d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	return d
}

// fileConfig is the JSON written by `wrenn up` and `wrenn login`.
type fileConfig struct {
	APIURL string `json:"api_url"`
	APIKey string `json:"api_key"`
}

// DefaultConfigPath is $XDG_CONFIG_HOME/wrenn/config.json, or ~/.config/wrenn/config.json when
// XDG_CONFIG_HOME is unset.
func DefaultConfigPath() (string, error) {
	if dir := strings.TrimSpace(os.Getenv("XDG_CONFIG_HOME")); dir != "" {
		return filepath.Join(dir, "wrenn", "config.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("wrenn: cannot find the config file: %w", err)
	}
	return filepath.Join(home, ".config", "wrenn", "config.json"), nil
}

// resolveConfig picks the API URL and key, each on its own: the option, else the environment
// variable, else the config file (read only when something is still missing; a missing file is
// not an error, a malformed one is).
func resolveConfig(o *clientOptions) (apiURL, apiKey string, err error) {
	apiURL = strings.TrimSpace(o.apiURL)
	apiKey = strings.TrimSpace(o.apiKey)
	if apiURL == "" {
		apiURL = strings.TrimSpace(os.Getenv(EnvAPIURL))
	}
	if apiKey == "" {
		apiKey = strings.TrimSpace(os.Getenv(EnvAPIKey))
	}
	if apiURL == "" || apiKey == "" {
		path := o.configPath
		if path == "" {
			if path, err = DefaultConfigPath(); err != nil {
				return "", "", err
			}
		}
		data, readErr := os.ReadFile(path)
		switch {
		case readErr == nil:
			var fc fileConfig
			if err := json.Unmarshal(data, &fc); err != nil {
				return "", "", fmt.Errorf("wrenn: config file %s: %w", path, err)
			}
			if apiURL == "" {
				apiURL = strings.TrimSpace(fc.APIURL)
			}
			if apiKey == "" {
				apiKey = strings.TrimSpace(fc.APIKey)
			}
		case errors.Is(readErr, os.ErrNotExist):
		default:
			return "", "", fmt.Errorf("wrenn: config file: %w", readErr)
		}
	}
	if apiURL == "" || apiKey == "" {
		var missing []string
		if apiURL == "" {
			missing = append(missing, "an API URL (WithAPIURL or "+EnvAPIURL+")")
		}
		if apiKey == "" {
			missing = append(missing, "an API key (WithAPIKey or "+EnvAPIKey+")")
		}
		return "", "", fmt.Errorf("%w: need %s, or the config file written by `wrenn up`", ErrNoCredentials, strings.Join(missing, " and "))
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("wrenn: API URL %q is not an http:// or https:// URL", apiURL)
	}
	return strings.TrimRight(apiURL, "/"), apiKey, nil
}
