package api

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const (
	// connRetryAfter is the Retry-After of a connection refused at the cap.
	connRetryAfter = 5 * time.Second
	// refuseTimeout bounds how long a refused connection may take to send
	// its request head and read the 503.
	refuseTimeout = 2 * time.Second
	// maxRefusing bounds the goroutines answering refused connections; a
	// flood beyond it is closed without an answer (Accept never waits).
	maxRefusing = 64
)

// ConnLimiter is a net.Listener serving at most max connections at once.
// Unlike netutil.LimitListener it never stops accepting: a connection over
// the cap is answered "503 Service Unavailable" with Retry-After and
// closed, so a client learns why and the accept queue never fills with
// requests (a /healthz, an admin's) hanging behind held connections.
type ConnLimiter struct {
	net.Listener
	max      int64
	active   atomic.Int64
	refusing atomic.Int64
	refused  prometheus.Counter
	wg       sync.WaitGroup // refusals in flight
	closing  chan struct{}
	once     sync.Once
}

// NewConnLimiter wraps ln (max <= 0: no cap); refused counts the refused
// connections (nil: not counted).
func NewConnLimiter(ln net.Listener, max int, refused prometheus.Counter) *ConnLimiter {
	return &ConnLimiter{Listener: ln, max: int64(max), refused: refused, closing: make(chan struct{})}
}

// Accept returns the next connection under the cap, answering the ones
// over it on the way.
func (l *ConnLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) <= l.max || l.max <= 0 {
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.active.Add(-1)
		if l.refused != nil {
			l.refused.Inc()
		}
		l.refuse(c)
	}
}

// Active is the number of connections being served.
func (l *ConnLimiter) Active() int { return int(l.active.Load()) }

// Close stops accepting and waits for the refusals in flight (each ends
// within refuseTimeout).
func (l *ConnLimiter) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closing) })
	l.wg.Wait()
	return err
}

var refusalBody = []byte(`{"type":"https://inboxd.dev/problems/too-many-connections","title":"Service Unavailable","status":503,` +
	`"detail":"the server is at its connection limit; try again shortly"}` + "\n")

var refusalResponse = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: application/problem+json\r\n" +
	"Cache-Control: no-store\r\n" +
	"Retry-After: " + retryAfter(connRetryAfter) + "\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(refusalBody)) + "\r\n\r\n" + string(refusalBody))

func (l *ConnLimiter) refuse(c net.Conn) {
	if l.refusing.Add(1) > maxRefusing {
		l.refusing.Add(-1)
		_ = c.Close()
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer l.refusing.Add(-1)
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(refuseTimeout))
		stop := closeOnSignal(l.closing, c)
		defer stop()
		// Read the request head first: closing with unread data would reset
		// the connection and the client might never see the answer.
		readHead(c)
		_, _ = c.Write(refusalResponse)
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
	}()
}

// closeOnSignal closes c when closing is closed; stop releases the watcher.
func closeOnSignal(closing <-chan struct{}, c net.Conn) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-closing:
			_ = c.SetDeadline(time.Now())
		case <-done:
		}
	}()
	return func() { close(done) }
}

// readHead reads up to the blank line ending a request head (or 8 KiB).
func readHead(c net.Conn) {
	br := bufio.NewReaderSize(c, 4096)
	var n int
	for n < 8<<10 {
		line, err := br.ReadSlice('\n')
		n += len(line)
		if err != nil || len(bytes.TrimRight(line, "\r\n")) == 0 {
			return
		}
	}
}

// limitedConn gives its slot back once, on the first Close.
type limitedConn struct {
	net.Conn
	l    *ConnLimiter
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.active.Add(-1) })
	return err
}
