//go:build linux

package sqlfront

import (
	"net"
	"syscall"
	"time"
)

// clientGone calls gone once the client at the other end of conn has closed the connection, checking every
// interval until stop is closed. It peeks at the socket without reading from it (MSG_PEEK), so bytes of a next,
// pipelined request stay where the server will read them: a read of zero bytes is the client's close.
func clientGone(conn net.Conn, interval time.Duration, stop <-chan struct{}, gone func()) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		buf := make([]byte, 1)
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			closed := false
			_ = raw.Read(func(fd uintptr) bool {
				n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
				closed = n == 0 && err == nil || err == syscall.ECONNRESET
				return true // never wait for the socket to become readable
			})
			if closed {
				gone()
				return
			}
		}
	}()
}
