//go:build !linux

package sqlfront

import (
	"net"
	"time"
)

// clientGone is a no-op where vcube cannot peek at a socket: queries then stop only by their timeout.
func clientGone(net.Conn, time.Duration, <-chan struct{}, func()) {}
