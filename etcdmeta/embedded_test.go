package etcdmeta

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEmbeddedRestartKeepsData runs its own server: it stops it and starts another on the same data dir, as a
// single-node vcube does across restarts.
func TestEmbeddedRestartKeepsData(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	const prefix = "/vcube/"

	e, err := StartEmbedded(ctx, dir)
	require.NoError(t, err)
	eps := e.Endpoints()
	require.Len(t, eps, 1)
	u, err := url.Parse(eps[0])
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", u.Hostname(), "the embedded server listens on loopback only")

	s, err := Connect(ctx, eps, prefix)
	require.NoError(t, err)
	_, err = s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	chunks := addChunks(t, s, tb, 3)
	lastID, err := s.AllocateIDs(ctx, 1)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, e.Close())
	require.NoError(t, e.Close(), "Close twice is harmless")

	e2, err := StartEmbedded(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e2.Close()) })
	s2, err := Connect(ctx, e2.Endpoints(), prefix)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s2.Close()) })

	snap := s2.Snapshot()
	got, ok := snap.Table("db", "t")
	require.True(t, ok)
	require.Equal(t, tb, got)
	require.Equal(t, chunks, snap.Chunks(tb.ID))
	next, err := s2.AllocateIDs(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, lastID+1, next, "the ID sequence continues across the restart")

	// The restarted server takes writes too.
	_, err = s2.CreateSchema(ctx, "db2")
	require.NoError(t, err)
}

func TestStartEmbeddedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := StartEmbedded(ctx, t.TempDir())
	require.ErrorIs(t, err, context.Canceled)
}
