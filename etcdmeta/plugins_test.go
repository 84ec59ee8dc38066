package etcdmeta

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPluginsInstalledOnceAndUninstalled(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))
	none, err := s.Plugins(ctx)
	require.NoError(t, err)
	assert.Empty(t, none)

	stats, err := s.InstallPlugin(ctx, Plugin{Name: "stats", File: "stats.wasm", SHA256: "ab"})
	require.NoError(t, err)
	assert.False(t, stats.Installed.IsZero(), "the install time is recorded")
	_, err = s.InstallPlugin(ctx, Plugin{Name: "fixed/1", File: "fixed.wasm", SHA256: "cd"})
	require.NoError(t, err, "a name with a slash is one key segment")
	_, err = s.InstallPlugin(ctx, Plugin{Name: "stats", File: "other.wasm"})
	require.ErrorIs(t, err, ErrPluginExists)

	all, err := s.Plugins(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, "fixed/1", all[0].Name, "by name")
	assert.Equal(t, stats, all[1], "the second install changed nothing")

	gone, err := s.UninstallPlugin(ctx, "stats")
	require.NoError(t, err)
	assert.Equal(t, "stats.wasm", gone.File)
	_, err = s.UninstallPlugin(ctx, "stats")
	require.ErrorIs(t, err, ErrPluginNotFound)
	all, err = s.Plugins(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
}
