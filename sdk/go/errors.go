package wrenn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// kindError is the type of the sentinel errors below; *APIError (and the command errors) match
// them with errors.Is.
type kindError struct {
	code   string
	status int
	text   string
}

func (k *kindError) Error() string { return "wrenn: " + k.text }

// Sentinels for errors.Is. Each matches an *APIError by the server's error code (or, when the
// answer had no Wrenn error envelope, by its HTTP status):
//
//	if errors.Is(err, wrenn.ErrNotFound) { … }
var (
	// ErrBadRequest: 400 bad_request — malformed or out-of-range input.
	ErrBadRequest error = &kindError{"bad_request", http.StatusBadRequest, "bad request"}
	// ErrUnauthorized: 401 unauthorized — no API key or one that is not valid.
	ErrUnauthorized error = &kindError{"unauthorized", http.StatusUnauthorized, "unauthorized"}
	// ErrForbidden: 403 forbidden — the sandbox's user may not do that.
	ErrForbidden error = &kindError{"forbidden", http.StatusForbidden, "forbidden"}
	// ErrNotFound: 404 not_found — no such sandbox, template, image or file in your team.
	ErrNotFound error = &kindError{"not_found", http.StatusNotFound, "not found"}
	// ErrConflict: 409 conflict — the sandbox's state does not allow the call, or a name is taken.
	ErrConflict error = &kindError{"conflict", http.StatusConflict, "conflict"}
	// ErrPayloadTooLarge: 413 payload_too_large — a JSON body over 1 MiB.
	ErrPayloadTooLarge error = &kindError{"payload_too_large", http.StatusRequestEntityTooLarge, "payload too large"}
	// ErrRateLimited: 429 rate_limited.
	ErrRateLimited error = &kindError{"rate_limited", http.StatusTooManyRequests, "rate limited"}
	// ErrInternal: 500 internal — a fault in the platform.
	ErrInternal error = &kindError{"internal", http.StatusInternalServerError, "internal server error"}
	// ErrHostUnavailable: 502 host_unavailable — the host agent or the sandbox's envd did not answer.
	ErrHostUnavailable error = &kindError{"host_unavailable", http.StatusBadGateway, "host unavailable"}
	// ErrNoCapacity: 503 no_capacity — no host is ready or it has no room.
	ErrNoCapacity error = &kindError{"no_capacity", http.StatusServiceUnavailable, "no capacity"}
	// ErrTimeout: 504 timeout — a command ran past its timeout and was killed. Commands.Run and
	// CommandHandle.Wait return a *CommandTimeoutError then, which matches ErrTimeout.
	ErrTimeout error = &kindError{"timeout", http.StatusGatewayTimeout, "timeout"}
	// ErrServer matches every 5xx answer (internal, host_unavailable, no_capacity, timeout, …).
	ErrServer error = &kindError{"", 0, "server error"}
)

var kinds = []*kindError{
	ErrBadRequest.(*kindError), ErrUnauthorized.(*kindError), ErrForbidden.(*kindError),
	ErrNotFound.(*kindError), ErrConflict.(*kindError), ErrPayloadTooLarge.(*kindError),
	ErrRateLimited.(*kindError), ErrInternal.(*kindError), ErrHostUnavailable.(*kindError),
	ErrNoCapacity.(*kindError), ErrTimeout.(*kindError),
}

func kindByCode(code string) *kindError {
	for _, k := range kinds {
		if k.code == code {
			return k
		}
	}
	return nil
}

func kindByStatus(status int) *kindError {
	for _, k := range kinds {
		if k.status == status {
			return k
		}
	}
	return nil
}

// APIError is an error answer from the control plane: the HTTP status and the code and message
// of its envelope {"error": {"code", "message"}}. Match it with errors.Is against ErrNotFound,
// ErrConflict, … or get at the fields with errors.As.
type APIError struct {
	// Status is the HTTP status (for an error event inside a streamed command: the status that
	// goes with its code).
	Status int
	// Code is the server's error code, such as "not_found". When the answer had no envelope (a
	// proxy's error page, say) it is derived from Status, or empty for an unknown status.
	Code string
	// Message is the server's explanation.
	Message string
	// Method and Path name the request that failed, such as "GET" and "/v1/sandboxes/sb-…".
	Method, Path string
}

// Error reads like "wrenn: GET /v1/sandboxes/sb-1: 404 not_found: sandbox sb-1 not found".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("wrenn: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Is reports whether target is the sentinel for this error's code (or status): see ErrNotFound
// and the others.
func (e *APIError) Is(target error) bool {
	k, ok := target.(*kindError)
	if !ok {
		return false
	}
	if k == ErrServer {
		return e.Status >= 500 && e.Status <= 599
	}
	if known := kindByCode(e.Code); known != nil {
		return known == k
	}
	return e.Status == k.status
}

// newAPIErrorFromResponse reads (a bounded part of) an error answer's body and closes it.
func newAPIErrorFromResponse(resp *http.Response, method, path string) *APIError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &APIError{Status: resp.StatusCode, Method: method, Path: path}
	var envelope struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &envelope) == nil && envelope.Error != nil && envelope.Error.Code != "" {
		e.Code = envelope.Error.Code
		e.Message = envelope.Error.Message
		return e
	}
	if k := kindByStatus(resp.StatusCode); k != nil {
		e.Code = k.code
	}
	e.Message = strings.TrimSpace(string(body))
	if len(e.Message) > 500 {
		e.Message = e.Message[:500] + "…"
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// statusForCode is the HTTP status that goes with an error code (for error events in streams).
func statusForCode(code string) int {
	if k := kindByCode(code); k != nil {
		return k.status
	}
	return http.StatusInternalServerError
}

// CommandExitError is returned by Commands.Run with RunOptions.Check when the command exits with
// a non-zero code. Result holds everything the command printed.
type CommandExitError struct {
	// Result is the finished command's output and exit code.
	Result *CommandResult
}

// Error names the exit code and the end of standard error.
func (e *CommandExitError) Error() string {
	msg := fmt.Sprintf("wrenn: command exited with code %d", e.Result.ExitCode)
	if s := strings.TrimSpace(e.Result.Stderr); s != "" {
		if len(s) > 300 {
			s = s[len(s)-300:]
		}
		msg += ": " + s
	}
	return msg
}

// CommandTimeoutError is returned when a command ran past RunOptions.Timeout and the sandbox
// killed it. Result holds what it printed until then. It matches ErrTimeout.
type CommandTimeoutError struct {
	// Result holds the output printed before the kill; ExitCode is -1.
	Result *CommandResult
}

// Error says that the command timed out.
func (e *CommandTimeoutError) Error() string {
	return "wrenn: command did not finish within its timeout and was killed"
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *CommandTimeoutError) Is(target error) bool { return target == ErrTimeout }

// ErrStdinNotSupported is returned by CommandHandle.SendStdin, CloseStdin and Signal (other than
// SIGKILL) for commands started without RunOptions.Stdin: those stream over NDJSON, which carries
// nothing from the client after the command starts.
var ErrStdinNotSupported = errors.New("wrenn: stdin and signals need RunOptions.Stdin (the WebSocket transport)")
