package etcdmeta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// pluginsDir holds the installed WebAssembly plugins under plugins/<name>: which module file of the plugin
// directory each is, and the module's SHA-256, so that every server (and later every worker) loads the same code.
// Plugins are not part of the cached catalog snapshot: they are read on demand, at start-up and by SHOW PLUGINS.
const pluginsDir = "plugins/"

var (
	ErrPluginExists   = errors.New("plugin already installed")
	ErrPluginNotFound = errors.New("plugin not installed")
)

// Plugin is one installed plugin.
type Plugin struct {
	Name string `json:"name"`
	// File is the module's file name in the plugin directory.
	File      string    `json:"file"`
	SHA256    string    `json:"sha256"`
	Installed time.Time `json:"installed"`
}

func pluginKey(name string) string { return pluginsDir + escapeName(name) }

// InstallPlugin records a plugin; ErrPluginExists when one of its name is installed.
func (s *Store) InstallPlugin(ctx context.Context, p Plugin) (Plugin, error) {
	if p.Installed.IsZero() {
		p.Installed = now()
	}
	v, err := json.Marshal(p)
	if err != nil {
		return Plugin{}, err
	}
	k := s.key(pluginKey(p.Name))
	resp, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).Then(clientv3.OpPut(k, string(v))).Commit()
	if err != nil {
		return Plugin{}, fmt.Errorf("etcdmeta: installing plugin %s: %w", p.Name, err)
	}
	if !resp.Succeeded {
		return Plugin{}, ErrPluginExists
	}
	return p, nil
}

// UninstallPlugin removes a plugin's record and returns it; ErrPluginNotFound when there is none.
func (s *Store) UninstallPlugin(ctx context.Context, name string) (Plugin, error) {
	resp, err := s.cli.Delete(ctx, s.key(pluginKey(name)), clientv3.WithPrevKV())
	if err != nil {
		return Plugin{}, fmt.Errorf("etcdmeta: uninstalling plugin %s: %w", name, err)
	}
	if len(resp.PrevKvs) == 0 {
		return Plugin{}, ErrPluginNotFound
	}
	var p Plugin
	if err := json.Unmarshal(resp.PrevKvs[0].Value, &p); err != nil {
		return Plugin{}, fmt.Errorf("etcdmeta: plugin %s: %w", name, err)
	}
	return p, nil
}

// Plugins returns the installed plugins by name.
func (s *Store) Plugins(ctx context.Context) ([]Plugin, error) {
	resp, err := s.cli.Get(ctx, s.key(pluginsDir), clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("etcdmeta: reading plugins: %w", err)
	}
	out := make([]Plugin, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var p Plugin
		if err := json.Unmarshal(kv.Value, &p); err != nil {
			return nil, fmt.Errorf("etcdmeta: plugin record %s: %w", kv.Key, err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}
