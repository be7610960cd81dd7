package wrenn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wrenn-dev/wrenn/sdk/go/internal/websocket"
)

// Commands runs commands in a sandbox.
type Commands struct {
	sb *Sandbox
}

// Signals a running command can be sent with CommandHandle.Signal.
const (
	// SIGTERM asks the command to end (it may trap it); needs RunOptions.Stdin.
	SIGTERM = "SIGTERM"
	// SIGKILL ends the command at once.
	SIGKILL = "SIGKILL"
)

// RunOptions adjust Commands.Run and Commands.Start. The zero value runs a shell command line as
// "user" in its home directory with the server's 60-second timeout.
type RunOptions struct {
	// Args, when set, makes cmd the program to run with these arguments (no shell). Without Args,
	// cmd is a command line run by `bash -l -c`, so pipes, && and globs work.
	Args []string
	// Env adds environment variables for this command.
	Env map[string]string
	// Cwd is the working directory; default the user's home.
	Cwd string
	// User is the Unix user to run as; default "user" (who has passwordless sudo).
	User string
	// Timeout kills the command (and everything it started) after this long, in whole seconds
	// rounded up, from 1 s to 24 h. 0 means the server's default, 60 s. A command that times out
	// returns an error matching ErrTimeout.
	Timeout time.Duration

	// OnStdout is called with each chunk of standard output as it comes. A chunk holds whole
	// UTF-8 characters; output that is not UTF-8 is passed on as the raw bytes. Callbacks run on
	// one goroutine, in order; a slow callback holds up the stream.
	OnStdout func(data string)
	// OnStderr is OnStdout for standard error.
	OnStderr func(data string)

	// Background makes Run return as soon as the command started, with CommandResult.Handle set
	// (the same as calling Start). The command runs until it exits, Handle.Kill is called or the
	// context given to Run is done.
	Background bool

	// Stdin keeps the command's standard input open so that CommandHandle.SendStdin, CloseStdin
	// and Signal work. It switches the command to the WebSocket transport of exec/stream; without
	// Stdin or Input, streamed commands use NDJSON, which carries nothing to the command after it
	// started (stdin is then empty and closed).
	Stdin bool
	// Input, when set, is copied to the command's standard input, which is then closed. It
	// implies the WebSocket transport, as Stdin does.
	Input io.Reader

	// Check makes Run return a *CommandExitError (with the result inside) when the command exits
	// with a code other than 0. Without it, a non-zero exit is a result, not an error.
	Check bool
}

// CommandResult is what a finished command printed and how it ended.
type CommandResult struct {
	// Stdout holds everything the command printed to standard output (bytes that are not valid
	// UTF-8 are kept as they were).
	Stdout string
	// Stderr holds everything the command printed to standard error.
	Stderr string
	// ExitCode is the command's exit code; -1 when a signal ended it (Kill, or a timeout).
	ExitCode int
	// PID is the command's process id in the sandbox (0 for commands run without streaming).
	PID int
	// Handle is set only by Run with RunOptions.Background: the command is then still running and
	// the other fields are empty; Handle.Wait returns the final result.
	Handle *CommandHandle
}

type execRequest struct {
	Cmd        string            `json:"cmd"`
	Args       []string          `json:"args,omitempty"`
	Env        map[string]string `json:"env,omitempty"`
	Cwd        string            `json:"cwd,omitempty"`
	TimeoutSec int               `json:"timeout_sec,omitempty"`
	User       string            `json:"user,omitempty"`
}

func newExecRequest(cmd string, opts RunOptions) execRequest {
	return execRequest{Cmd: cmd, Args: opts.Args, Env: opts.Env, Cwd: opts.Cwd, TimeoutSec: seconds(opts.Timeout), User: opts.User}
}

// Run runs cmd and waits for it to finish (unless opts.Background), returning what it printed and
// its exit code. A non-zero exit is a result, not an error (unless opts.Check). Cancelling ctx
// kills the command. Run is never retried: a command may not be safe to run twice.
//
// Run always streams from exec/stream (NDJSON, or a WebSocket with Stdin or Input), collecting the
// output here: so there is no size cap on it, a timeout still returns what was printed, and
// cancelling ctx really ends the command (POST exec, which collects on the server, would leave
// it running until its timeout when the client goes away).
func (c *Commands) Run(ctx context.Context, cmd string, opts RunOptions) (*CommandResult, error) {
	if opts.Background {
		h, err := c.Start(ctx, cmd, opts)
		if err != nil {
			return nil, err
		}
		return &CommandResult{PID: h.PID(), Handle: h}, nil
	}
	h, err := c.Start(ctx, cmd, opts)
	if err != nil {
		return nil, err
	}
	res, err := h.Wait(ctx)
	if err != nil {
		return res, err
	}
	if opts.Check && res.ExitCode != 0 {
		return res, &CommandExitError{Result: res}
	}
	return res, nil
}

// execEvent is one event of exec/stream.
type execEvent struct {
	Type     string `json:"type"`
	PID      int    `json:"pid"`
	Data     string `json:"data"`
	Encoding string `json:"encoding"`
	ExitCode *int   `json:"exit_code"`
	Status   string `json:"status"`
	TimedOut bool   `json:"timed_out"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// CommandHandle is a command that runs while the caller does other things: see Commands.Start.
type CommandHandle struct {
	pid    int
	path   string
	cancel context.CancelFunc
	next   func() (*execEvent, error)
	ws     *websocket.Conn // nil with the NDJSON transport
	body   io.Closer       // the NDJSON response body
	opts   RunOptions

	writeMu sync.Mutex // orders messages to the WebSocket

	done   chan struct{}
	result *CommandResult
	err    error
	mu     sync.Mutex
	killed bool
}

// Start starts cmd and returns as soon as it runs, without waiting for it to finish. Output goes to
// opts.OnStdout / OnStderr as it comes and is also collected for Wait. The command runs until it
// exits, Kill is called or ctx is done (which kills it). Errors the server finds before the
// command starts (no such sandbox, a paused sandbox, a bad request) are returned here.
func (c *Commands) Start(ctx context.Context, cmd string, opts RunOptions) (*CommandHandle, error) {
	if ctx == nil {
		return nil, errors.New("wrenn: Commands.Start: nil context")
	}
	cmdCtx, cancel := context.WithCancel(ctx)
	h := &CommandHandle{path: c.sb.path("/exec/stream"), cancel: cancel, opts: opts, done: make(chan struct{})}
	var err error
	if opts.Stdin || opts.Input != nil {
		err = h.openWebSocket(cmdCtx, c.sb.client, newExecRequest(cmd, opts))
	} else {
		err = h.openNDJSON(cmdCtx, c.sb.client, newExecRequest(cmd, opts))
	}
	if err != nil {
		cancel()
		return nil, err
	}
	first, err := h.next()
	if err == nil && first.Type != "started" {
		err = h.eventError(first)
		if err == nil {
			err = fmt.Errorf("wrenn: POST %s: expected a started event, got %q", h.path, first.Type)
		}
	}
	if err != nil {
		h.closeTransport()
		cancel()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wrenn: POST %s: %w", h.path, ctx.Err())
		}
		return nil, err
	}
	h.pid = first.PID
	if opts.Input != nil {
		go h.copyInput(opts.Input)
	}
	go h.loop(ctx)
	return h, nil
}

func (h *CommandHandle) openNDJSON(ctx context.Context, c *Client, body execRequest) error {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: h.path, jsonBody: body, accept: "application/x-ndjson"})
	if err != nil {
		return err
	}
	h.body = resp.Body
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	h.next = func() (*execEvent, error) {
		for {
			line, err := r.ReadBytes('\n')
			line = bytes.TrimSpace(line)
			if len(line) > 0 {
				var ev execEvent
				if jerr := json.Unmarshal(line, &ev); jerr != nil {
					return nil, fmt.Errorf("wrenn: POST %s: bad event line: %w", h.path, jerr)
				}
				return &ev, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return nil
}

func (h *CommandHandle) openWebSocket(ctx context.Context, c *Client, body execRequest) error {
	header := http.Header{}
	header.Set("X-API-Key", c.apiKey)
	header.Set("User-Agent", c.userAgent)
	conn, resp, err := websocket.Dial(ctx, c.httpClient, c.apiURL+h.path, header)
	if err != nil {
		return fmt.Errorf("wrenn: GET %s (WebSocket): %w", h.path, err)
	}
	if resp != nil && conn == nil {
		return newAPIErrorFromResponse(resp, http.MethodGet, h.path)
	}
	h.ws = conn
	if err := h.send(body); err != nil {
		conn.Close()
		return fmt.Errorf("wrenn: GET %s (WebSocket): sending the command: %w", h.path, err)
	}
	h.next = func() (*execEvent, error) {
		for {
			op, data, err := conn.ReadMessage()
			if err != nil {
				return nil, err
			}
			if op != websocket.OpText {
				continue
			}
			var ev execEvent
			if err := json.Unmarshal(data, &ev); err != nil {
				return nil, fmt.Errorf("wrenn: GET %s: bad event: %w", h.path, err)
			}
			return &ev, nil
		}
	}
	return nil
}

func (h *CommandHandle) send(msg interface{}) error {
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	return h.ws.WriteMessage(websocket.OpText, data)
}

func (h *CommandHandle) closeTransport() {
	if h.ws != nil {
		h.ws.Close()
	}
	if h.body != nil {
		h.body.Close()
	}
}

// eventError turns an error event into an *APIError (nil for other events).
func (h *CommandHandle) eventError(ev *execEvent) error {
	if ev.Type != "error" {
		return nil
	}
	method := http.MethodPost
	if h.ws != nil {
		method = http.MethodGet
	}
	return &APIError{Status: statusForCode(ev.Code), Code: ev.Code, Message: ev.Message, Method: method, Path: h.path}
}

func decodeChunk(ev *execEvent) (string, error) {
	if ev.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(ev.Data)
		return string(b), err
	}
	return ev.Data, nil
}

// loop reads events until the command exits or the stream ends.
func (h *CommandHandle) loop(parent context.Context) {
	var stdout, stderr strings.Builder
	res := &CommandResult{PID: h.pid, ExitCode: -1}
	var err error
	defer func() {
		res.Stdout, res.Stderr = stdout.String(), stderr.String()
		h.result, h.err = res, err
		h.closeTransport()
		h.cancel()
		close(h.done)
	}()
	for {
		ev, rerr := h.next()
		if rerr != nil {
			h.mu.Lock()
			killed := h.killed
			h.mu.Unlock()
			switch {
			case killed:
				// Closing the stream killed the command, as Kill asked.
			case parent.Err() != nil:
				err = fmt.Errorf("wrenn: %s: %w", h.path, parent.Err())
			default:
				err = fmt.Errorf("wrenn: %s: the stream ended before the command exited: %w", h.path, unexpected(rerr))
			}
			return
		}
		switch ev.Type {
		case "stdout", "stderr":
			data, derr := decodeChunk(ev)
			if derr != nil {
				err = fmt.Errorf("wrenn: %s: bad base64 in a %s event: %w", h.path, ev.Type, derr)
				return
			}
			if ev.Type == "stdout" {
				stdout.WriteString(data)
				if h.opts.OnStdout != nil {
					h.opts.OnStdout(data)
				}
			} else {
				stderr.WriteString(data)
				if h.opts.OnStderr != nil {
					h.opts.OnStderr(data)
				}
			}
		case "exit":
			if ev.ExitCode != nil {
				res.ExitCode = *ev.ExitCode
			}
			if ev.TimedOut {
				err = &CommandTimeoutError{Result: res}
			}
			return
		case "error":
			err = h.eventError(ev)
			return
		}
	}
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// copyInput sends Input to the command's stdin, then closes stdin.
func (h *CommandHandle) copyInput(r io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if h.sendStdin(buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	_ = h.send(map[string]string{"type": "close_stdin"})
}

func (h *CommandHandle) sendStdin(data []byte) error {
	msg := map[string]string{"type": "stdin"}
	if utf8.Valid(data) {
		msg["data"] = string(data)
	} else {
		msg["data"] = base64.StdEncoding.EncodeToString(data)
		msg["encoding"] = "base64"
	}
	return h.send(msg)
}

// PID is the command's process id inside the sandbox.
func (h *CommandHandle) PID() int { return h.pid }

// Done is closed when the command has finished (or its stream ended).
func (h *CommandHandle) Done() <-chan struct{} { return h.done }

// Wait waits for the command to finish and returns its result. ctx bounds only the waiting:
// when it is done first, Wait returns its error and the command keeps running. A command that
// timed out returns its result inside a *CommandTimeoutError (matching ErrTimeout); one ended by
// Kill returns a result with ExitCode -1 and no error.
func (h *CommandHandle) Wait(ctx context.Context) (*CommandResult, error) {
	select {
	case <-h.done:
		return h.result, h.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Kill ends the command and everything it started, and waits (within ctx) until it is gone.
// Killing a finished command does nothing.
func (h *CommandHandle) Kill(ctx context.Context) error {
	select {
	case <-h.done:
		return nil
	default:
	}
	h.mu.Lock()
	h.killed = true
	h.mu.Unlock()
	if h.ws != nil {
		// Ask for SIGKILL and let the exit event come back; close the socket if that fails.
		if err := h.send(map[string]string{"type": "signal", "signal": SIGKILL}); err != nil {
			h.cancel()
		}
	} else {
		// NDJSON: closing the stream makes the server kill the command.
		h.cancel()
	}
	select {
	case <-h.done:
		return nil
	case <-ctx.Done():
		h.cancel()
		return ctx.Err()
	}
}

// Signal sends SIGTERM or SIGKILL to the command and everything it started. SIGTERM needs
// RunOptions.Stdin (the WebSocket transport); SIGKILL works always (see Kill).
func (h *CommandHandle) Signal(ctx context.Context, signal string) error {
	if signal != SIGTERM && signal != SIGKILL {
		return fmt.Errorf("wrenn: signal %q is not supported (only %s and %s)", signal, SIGTERM, SIGKILL)
	}
	if h.ws == nil {
		if signal == SIGKILL {
			return h.Kill(ctx)
		}
		return ErrStdinNotSupported
	}
	return h.sendCtx(ctx, map[string]string{"type": "signal", "signal": signal})
}

// SendStdin writes data to the command's standard input. It needs RunOptions.Stdin.
func (h *CommandHandle) SendStdin(ctx context.Context, data []byte) error {
	if h.ws == nil {
		return ErrStdinNotSupported
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-h.done:
		return errors.New("wrenn: the command has finished")
	default:
	}
	return h.sendStdin(data)
}

// CloseStdin closes the command's standard input (the command reads end of file). It needs
// RunOptions.Stdin.
func (h *CommandHandle) CloseStdin(ctx context.Context) error {
	if h.ws == nil {
		return ErrStdinNotSupported
	}
	return h.sendCtx(ctx, map[string]string{"type": "close_stdin"})
}

func (h *CommandHandle) sendCtx(ctx context.Context, msg interface{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-h.done:
		return errors.New("wrenn: the command has finished")
	default:
	}
	return h.send(msg)
}
