package etcdmeta

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

const (
	startTimeout = 60 * time.Second
	// portAttempts bounds retries when a port picked as free is taken before etcd binds it.
	portAttempts = 8
)

// Embedded is an etcd server running inside the vcube process, for single-node mode: one member, listening
// on loopback only.
type Embedded struct {
	etcd      *embed.Etcd
	endpoints []string
	stopping  *atomic.Bool // silences etcd's logger for the shutdown it reports as errors
	closeOnce sync.Once
	closeErr  error
}

// StartEmbedded starts a one-member etcd server whose data lives in dir (created if missing; the directory
// is etcd's own), listening for clients and peers on free loopback ports. It returns once the server is ready
// to serve, or fails within about a minute. Restarted on the same dir, it serves the same data.
func StartEmbedded(ctx context.Context, dir string) (*Embedded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("etcdmeta: embedded etcd data dir: %w", err)
	}
	var lastErr error
	for range portAttempts {
		ports, err := freeLoopbackPorts(2)
		if err != nil {
			return nil, fmt.Errorf("etcdmeta: pick ports for embedded etcd: %w", err)
		}
		e, err := startOn(ctx, dir, ports[0], ports[1])
		if errors.Is(err, syscall.EADDRINUSE) {
			lastErr = err // another process took a port between our probe and etcd's bind
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("etcdmeta: start embedded etcd in %s: %w", dir, err)
		}
		return e, nil
	}
	return nil, fmt.Errorf("etcdmeta: start embedded etcd in %s: no free ports after %d attempts: %w", dir, portAttempts, lastErr)
}

func startOn(ctx context.Context, dir string, clientPort, peerPort int) (*Embedded, error) {
	client := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
	peer := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

	cfg := embed.NewConfig()
	cfg.Name = "vcube"
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	// Only read when the data dir is new; a restart keeps the membership stored in dir. The stored peer URL
	// may then be stale, which a one-member cluster never dials.
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	cfg.InitialClusterToken = "vcube"
	stopping := new(atomic.Bool)
	lg, err := quietLogger(stopping)
	if err != nil {
		return nil, err
	}
	cfg.Logger, cfg.LogLevel = "zap", "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	// Dropping a big table or committing many chunks is one transaction (see the package doc).
	cfg.MaxTxnOps = 1 << 20
	cfg.MaxRequestBytes = maxRequestBytes
	// Keep an hour of history for lagging watchers, then compact so the database does not grow with every
	// chunk ever committed; a watcher that falls further behind reloads.
	cfg.AutoCompactionMode, cfg.AutoCompactionRetention = embed.CompactorModePeriodic, "1h"

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Embedded, error) {
		stopping.Store(true)
		e.Close()
		return nil, err
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
		return &Embedded{etcd: e, endpoints: []string{client.String()}, stopping: stopping}, nil
	case err := <-e.Err():
		if err == nil {
			err = errors.New("server stopped serving while starting")
		}
		return fail(err)
	case <-e.Server.StopNotify():
		return fail(errors.New("server stopped while starting"))
	case <-timer.C:
		return fail(fmt.Errorf("not ready after %v", startTimeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// freeLoopbackPorts asks the kernel for n distinct free ports. They are free when returned, not reserved:
// StartEmbedded retries if one is taken before etcd binds it.
func freeLoopbackPorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		// Keep each listener open until all are chosen, so the kernel cannot hand out one port twice.
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Endpoints are the client URLs to pass to Connect.
func (e *Embedded) Endpoints() []string { return append([]string(nil), e.endpoints...) }

// Close stops the server: in-flight requests get etcd's request timeout to finish, then the data is synced and
// the listeners closed. It returns any error a listener reported while serving. Calling Close again does nothing.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		e.stopping.Store(true)
		e.etcd.Close()
		// Close has closed the error channel; what is left in it was reported before the stop.
		var errs []error
		for err := range e.etcd.Err() {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			e.closeErr = fmt.Errorf("etcdmeta: embedded etcd: %w", err)
		}
	})
	return e.closeErr
}
