// Package websocket is a minimal RFC 6455 WebSocket client: enough for Wrenn's exec/stream
// endpoint (text messages both ways, ping/pong, close) and nothing more. No extensions, no
// subprotocols, no compression. The handshake goes through a caller's *http.Client, so TLS,
// proxies and dialers configured there apply.
package websocket

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Opcodes from RFC 6455 section 5.2.
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// Close codes used by this package (RFC 6455 section 7.4.1).
const (
	CloseNormal        = 1000
	CloseProtocolError = 1002
	CloseNoStatus      = 1005
	CloseTooBig        = 1009
)

// acceptGUID is appended to the client's key to compute Sec-WebSocket-Accept.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// DefaultMaxMessageBytes bounds one received message (all its fragments together).
const DefaultMaxMessageBytes = 64 << 20

// ErrBadHandshake is returned by Dial when the server answered 101 but the handshake is not valid.
var ErrBadHandshake = errors.New("websocket: bad handshake")

// CloseError is returned by ReadMessage once the peer sent a close frame.
type CloseError struct {
	// Code is the close status code (CloseNoStatus when the frame had none).
	Code int
	// Reason is the peer's text, often empty.
	Reason string
}

// Error names the close code and reason.
func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket: closed (%d)", e.Code)
	}
	return fmt.Sprintf("websocket: closed (%d %s)", e.Code, e.Reason)
}

// Conn is a client WebSocket connection. ReadMessage must be called from one goroutine at a time;
// WriteMessage and Close may be called from any goroutine.
type Conn struct {
	rwc io.ReadWriteCloser
	br  *bufio.Reader

	// MaxMessageBytes bounds a received message; 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int

	writeMu   sync.Mutex
	closeOnce sync.Once
	closeErr  error
	sentClose bool
	stop      chan struct{}
}

// AcceptKey computes the Sec-WebSocket-Accept value for a Sec-WebSocket-Key.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Dial opens a WebSocket with an HTTP/1.1 upgrade request to rawURL (http:// or https://) sent with
// client. (Go's transport sends upgrade requests over HTTP/1.1 even to servers that offer HTTP/2.) When the server does not switch protocols, Dial returns a nil Conn, the server's
// response (its body still open, for the caller to read an error from and close) and a nil error.
// Cancelling ctx closes the connection, also after Dial returned.
func Dial(ctx context.Context, client *http.Client, rawURL string, header http.Header) (*Conn, *http.Response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, nil, err
	}
	key := base64.StdEncoding.EncodeToString(nonce[:])

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, err
	}
	for name, values := range header {
		req.Header[name] = append([]string(nil), values...)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", key)

	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, resp, nil
	}
	rwc, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("%w: the HTTP client does not expose the upgraded connection", ErrBadHandshake)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") ||
		!headerHasToken(resp.Header, "Connection", "upgrade") ||
		resp.Header.Get("Sec-WebSocket-Accept") != AcceptKey(key) {
		rwc.Close()
		return nil, nil, fmt.Errorf("%w: missing or wrong Upgrade, Connection or Sec-WebSocket-Accept header", ErrBadHandshake)
	}
	c := NewConn(rwc)
	go func() {
		select {
		case <-ctx.Done():
			c.rwc.Close()
		case <-c.stop:
		}
	}()
	return c, resp, nil
}

// NewConn wraps an established connection (the client side: frames it writes are masked).
func NewConn(rwc io.ReadWriteCloser) *Conn {
	return &Conn{rwc: rwc, br: bufio.NewReaderSize(rwc, 16<<10), stop: make(chan struct{})}
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// WriteMessage sends one unfragmented, masked message (opcode OpText or OpBinary).
func (c *Conn) WriteMessage(opcode int, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.sentClose {
		return errors.New("websocket: write after close")
	}
	return WriteFrame(c.rwc, true, opcode, data, true)
}

// ReadMessage returns the next data message (its opcode and payload), answering pings on the way.
// Once the peer closes, it answers the close and returns a *CloseError.
func (c *Conn) ReadMessage() (int, []byte, error) {
	limit := c.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	var (
		message []byte
		opcode  = -1
	)
	for {
		f, err := ReadFrame(c.br, limit)
		if err != nil {
			return 0, nil, err
		}
		switch f.Opcode {
		case OpPing:
			c.writeMu.Lock()
			if !c.sentClose {
				err = WriteFrame(c.rwc, true, OpPong, f.Payload, true)
			}
			c.writeMu.Unlock()
			if err != nil {
				return 0, nil, err
			}
			continue
		case OpPong:
			continue
		case OpClose:
			ce := &CloseError{Code: CloseNoStatus}
			if len(f.Payload) >= 2 {
				ce.Code = int(binary.BigEndian.Uint16(f.Payload))
				ce.Reason = string(f.Payload[2:])
			}
			c.writeMu.Lock()
			if !c.sentClose {
				c.sentClose = true
				_ = WriteFrame(c.rwc, true, OpClose, closePayload(CloseNormal, ""), true)
			}
			c.writeMu.Unlock()
			return 0, nil, ce
		case OpText, OpBinary:
			if opcode != -1 {
				return 0, nil, c.fail("a new message started inside a fragmented one")
			}
			opcode = f.Opcode
		case OpContinuation:
			if opcode == -1 {
				return 0, nil, c.fail("continuation frame without a message")
			}
		default:
			return 0, nil, c.fail(fmt.Sprintf("unknown opcode %d", f.Opcode))
		}
		if len(message)+len(f.Payload) > limit {
			c.failWith(CloseTooBig, "message too big")
			return 0, nil, fmt.Errorf("websocket: message larger than %d bytes", limit)
		}
		message = append(message, f.Payload...)
		if f.Fin {
			if message == nil {
				message = []byte{}
			}
			return opcode, message, nil
		}
	}
}

func (c *Conn) fail(reason string) error {
	c.failWith(CloseProtocolError, reason)
	return errors.New("websocket: protocol error: " + reason)
}

func (c *Conn) failWith(code int, reason string) {
	c.writeMu.Lock()
	if !c.sentClose {
		c.sentClose = true
		_ = WriteFrame(c.rwc, true, OpClose, closePayload(code, reason), true)
	}
	c.writeMu.Unlock()
}

// Close sends a normal close frame (unless one was sent already) and closes the connection. It
// does not wait for the peer's answer.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.writeMu.Lock()
		if !c.sentClose {
			c.sentClose = true
			_ = WriteFrame(c.rwc, true, OpClose, closePayload(CloseNormal, ""), true)
		}
		c.writeMu.Unlock()
		close(c.stop)
		c.closeErr = c.rwc.Close()
	})
	return c.closeErr
}

func closePayload(code int, reason string) []byte {
	p := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	return append(p, reason...)
}

// Frame is one WebSocket frame, unmasked.
type Frame struct {
	// Fin marks the last frame of a message.
	Fin bool
	// Opcode is one of the Op constants.
	Opcode int
	// Payload is the frame's data.
	Payload []byte
}

// WriteFrame writes one frame; mask is true for frames a client sends.
func WriteFrame(w io.Writer, fin bool, opcode int, payload []byte, mask bool) error {
	header := make([]byte, 0, 14)
	b0 := byte(opcode & 0x0F)
	if fin {
		b0 |= 0x80
	}
	header = append(header, b0)
	var maskBit byte
	if mask {
		maskBit = 0x80
	}
	n := len(payload)
	switch {
	case n <= 125:
		header = append(header, maskBit|byte(n))
	case n <= 0xFFFF:
		header = append(header, maskBit|126, byte(n>>8), byte(n))
	default:
		header = append(header, maskBit|127)
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(n))
		header = append(header, l[:]...)
	}
	out := payload
	if mask {
		var key [4]byte
		if _, err := rand.Read(key[:]); err != nil {
			return err
		}
		header = append(header, key[:]...)
		out = make([]byte, n)
		for i := range payload {
			out[i] = payload[i] ^ key[i&3]
		}
	}
	if _, err := w.Write(append(header, out...)); err != nil {
		return err
	}
	return nil
}

// ReadFrame reads one frame, unmasking it when it is masked. A payload longer than limit is an error.
func ReadFrame(r io.Reader, limit int) (*Frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	if h[0]&0x70 != 0 {
		return nil, errors.New("websocket: reserved bits set (no extension was negotiated)")
	}
	f := &Frame{Fin: h[0]&0x80 != 0, Opcode: int(h[0] & 0x0F)}
	masked := h[1]&0x80 != 0
	length := uint64(h[1] & 0x7F)
	switch length {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, err
		}
		length = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, err
		}
		length = binary.BigEndian.Uint64(l[:])
	}
	if f.Opcode >= OpClose && (length > 125 || !f.Fin) {
		return nil, errors.New("websocket: control frame too long or fragmented")
	}
	if length > uint64(limit) {
		return nil, fmt.Errorf("websocket: frame of %d bytes is over the limit of %d", length, limit)
	}
	var key [4]byte
	if masked {
		if _, err := io.ReadFull(r, key[:]); err != nil {
			return nil, err
		}
	}
	f.Payload = make([]byte, int(length))
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		return nil, err
	}
	if masked {
		for i := range f.Payload {
			f.Payload[i] ^= key[i&3]
		}
	}
	return f, nil
}
