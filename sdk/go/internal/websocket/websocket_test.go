package websocket

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serverConn is the server side of a test connection: it reads masked frames and writes unmasked ones.
type serverConn struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func (s *serverConn) write(fin bool, opcode int, payload []byte) {
	s.t.Helper()
	if err := WriteFrame(s.conn, fin, opcode, payload, false); err != nil {
		s.t.Errorf("server write: %v", err)
	}
}

func (s *serverConn) read() *Frame {
	s.t.Helper()
	f, err := readMasked(s.br)
	if err != nil {
		s.t.Errorf("server read: %v", err)
		return &Frame{Opcode: -1}
	}
	return f
}

// readMasked reads a frame and insists that it is masked, as RFC 6455 requires of clients.
func readMasked(r *bufio.Reader) (*Frame, error) {
	b, err := r.Peek(2)
	if err != nil {
		return nil, err
	}
	if b[1]&0x80 == 0 {
		return nil, errors.New("client frame is not masked")
	}
	return ReadFrame(r, 1<<30)
}

// newServer starts a loopback server that upgrades and hands the connection to script. With
// acceptOverride set, it answers that Sec-WebSocket-Accept value instead of the right one.
func newServer(t *testing.T, acceptOverride string, script func(s *serverConn)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" {
			http.Error(w, `{"error":{"code":"unauthorized","message":"no"}}`, http.StatusUnauthorized)
			return
		}
		key := r.Header.Get("Sec-WebSocket-Key")
		if r.Header.Get("Sec-WebSocket-Version") != "13" || key == "" || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "not a websocket request", http.StatusBadRequest)
			return
		}
		accept := AcceptKey(key)
		if acceptOverride != "" {
			accept = acceptOverride
		}
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n")
		brw.Flush()
		script(&serverConn{t: t, conn: conn, br: brw.Reader})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func header() http.Header {
	h := http.Header{}
	h.Set("X-Test", "yes")
	return h
}

func TestAcceptKeyMatchesRFCExample(t *testing.T) {
	// RFC 6455 section 1.3.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}

func TestEchoSmallMediumAndLargeMessages(t *testing.T) {
	srv := newServer(t, "", func(s *serverConn) {
		for i := 0; i < 3; i++ {
			f := s.read()
			s.write(true, f.Opcode, f.Payload)
		}
		f := s.read()
		if f.Opcode != OpClose {
			t.Errorf("expected a close frame, got opcode %d", f.Opcode)
		}
	})
	c, resp, err := Dial(context.Background(), nil, srv.URL, header())
	if err != nil || c == nil {
		t.Fatalf("Dial: conn=%v resp=%v err=%v", c, resp, err)
	}
	defer c.Close()
	for _, size := range []int{5, 300, 70000} { // 7-bit, 16-bit and 64-bit length encodings
		msg := bytes.Repeat([]byte("abcdefg"), size/7+1)[:size]
		if err := c.WriteMessage(OpText, msg); err != nil {
			t.Fatalf("write %d: %v", size, err)
		}
		op, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read %d: %v", size, err)
		}
		if op != OpText || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: opcode %d, %d bytes back", size, op, len(got))
		}
	}
}

func TestFragmentsPingsAndClose(t *testing.T) {
	pong := make(chan []byte, 1)
	srv := newServer(t, "", func(s *serverConn) {
		s.write(false, OpText, []byte("hel"))
		s.write(true, OpPing, []byte("p1"))
		s.write(false, OpContinuation, []byte("lo "))
		s.write(true, OpContinuation, []byte("world"))
		f := s.read()
		if f.Opcode == OpPong {
			pong <- f.Payload
		}
		s.write(true, OpClose, closePayload(CloseNormal, "bye"))
		f = s.read()
		if f.Opcode != OpClose {
			t.Errorf("client did not answer the close: opcode %d", f.Opcode)
		}
	})
	c, _, err := Dial(context.Background(), nil, srv.URL, header())
	if err != nil || c == nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	op, msg, err := c.ReadMessage()
	if err != nil || op != OpText || string(msg) != "hello world" {
		t.Fatalf("ReadMessage = %d %q %v", op, msg, err)
	}
	select {
	case p := <-pong:
		if string(p) != "p1" {
			t.Fatalf("pong payload %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	_, _, err = c.ReadMessage()
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != CloseNormal || ce.Reason != "bye" {
		t.Fatalf("expected CloseError 1000 bye, got %v", err)
	}
}

func TestMessageOverLimitIsRefused(t *testing.T) {
	srv := newServer(t, "", func(s *serverConn) {
		s.write(false, OpText, bytes.Repeat([]byte("x"), 60))
		s.write(true, OpContinuation, bytes.Repeat([]byte("x"), 60))
		f := s.read()
		if f.Opcode != OpClose || len(f.Payload) < 2 || int(f.Payload[0])<<8|int(f.Payload[1]) != CloseTooBig {
			t.Errorf("expected close 1009, got opcode %d payload %v", f.Opcode, f.Payload)
		}
	})
	c, _, err := Dial(context.Background(), nil, srv.URL, header())
	if err != nil || c == nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	c.MaxMessageBytes = 100
	if _, _, err := c.ReadMessage(); err == nil {
		t.Fatal("a 120-byte message passed a 100-byte limit")
	}
}

func TestWrongAcceptKeyFailsTheHandshake(t *testing.T) {
	srv := newServer(t, "d3Jvbmc=", func(s *serverConn) {})
	c, _, err := Dial(context.Background(), nil, srv.URL, header())
	if c != nil || !errors.Is(err, ErrBadHandshake) {
		t.Fatalf("expected ErrBadHandshake, got conn=%v err=%v", c, err)
	}
}

func TestNonUpgradeAnswerIsReturnedToTheCaller(t *testing.T) {
	srv := newServer(t, "", func(s *serverConn) {})
	c, resp, err := Dial(context.Background(), nil, srv.URL, http.Header{})
	if err != nil || c != nil || resp == nil {
		t.Fatalf("expected the 401 response, got conn=%v resp=%v err=%v", c, resp, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "unauthorized") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
}

func TestTLSServerThatOffersHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.EnableHTTP2 = true
	srv.Config.Handler = newServer(t, "", func(s *serverConn) {
		f := s.read()
		s.write(true, OpText, append([]byte("tls:"), f.Payload...))
	}).Config.Handler
	srv.StartTLS()
	defer srv.Close()
	// srv.Client() trusts the test certificate and negotiates HTTP/2 for ordinary requests.
	plain, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.ProtoMajor != 2 {
		t.Fatalf("the test server should speak HTTP/2 to ordinary requests, got %s", plain.Proto)
	}
	c, resp, err := Dial(context.Background(), srv.Client(), srv.URL, header())
	if err != nil || c == nil {
		t.Fatalf("Dial over TLS: conn=%v resp=%v err=%v", c, resp, err)
	}
	defer c.Close()
	if err := c.WriteMessage(OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "tls:hi" {
		t.Fatalf("over TLS: %q %v", msg, err)
	}
}

func TestCancellingTheContextClosesTheConnection(t *testing.T) {
	srv := newServer(t, "", func(s *serverConn) {
		_, _ = s.br.ReadByte() // blocks until the client goes away
	})
	ctx, cancel := context.WithCancel(context.Background())
	c, _, err := Dial(ctx, nil, srv.URL, header())
	if err != nil || c == nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("ReadMessage returned no error after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadMessage still blocked 5 s after cancel")
	}
}
