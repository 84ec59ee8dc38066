package sqlfront

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/plugins"
)

// MaxPluginSize is the largest module INSTALL PLUGIN and PUT /v1/plugins accept.
const MaxPluginSize = 64 << 20

// pluginSet holds the loaded plugins and the SQL names their functions add. Plugins are recorded in the catalog
// (etcdmeta.Plugin) and their modules kept in the plugin directory, so a restarted server loads them again.
type pluginSet struct {
	mu     sync.RWMutex
	loaded map[string]*loadedPlugin // by plugin name, lower case
	// broken are recorded plugins that could not be loaded at start-up, with why (SHOW PLUGINS shows them).
	broken map[string]string
}

type loadedPlugin struct {
	rec etcdmeta.Plugin
	p   *plugins.Plugin
}

// measure is a plugin measure as the binder sees it.
type measure struct {
	plugin string
	fn     plugins.Function
}

type measuresKey struct{}

// measureOf finds the plugin measure a function name calls, through the statement's context.
func measureOf(ctx context.Context, name string) (measure, bool) {
	set, _ := ctx.Value(measuresKey{}).(*pluginSet)
	if set == nil {
		return measure{}, false
	}
	set.mu.RLock()
	defer set.mu.RUnlock()
	name = strings.ToLower(name)
	for _, lp := range set.loaded {
		if f, ok := lp.p.Function(name); ok && f.Kind == plugins.KindMeasure {
			return measure{plugin: lp.rec.Name, fn: f}, true
		}
	}
	return measure{}, false
}

// Measure returns a loaded plugin's measure: what the executor runs plugin aggregates with.
func (e *Engine) Measure(plugin, name string) (*plugins.Measure, error) {
	e.plugins.mu.RLock()
	lp, ok := e.plugins.loaded[strings.ToLower(plugin)]
	e.plugins.mu.RUnlock()
	if !ok {
		return nil, sqlerr.New(sqlerr.NoSuchFunction, "PLUGIN %s does not exist (it was uninstalled)", plugin)
	}
	return lp.p.Measure(name)
}

var (
	installPlugin   = regexp.MustCompile(`(?is)^\s*INSTALL\s+PLUGIN\s+([A-Za-z_][A-Za-z0-9_]*)\s+SONAME\s+'([^']*)'\s*;?\s*$`)
	uninstallPlugin = regexp.MustCompile(`(?is)^\s*UNINSTALL\s+PLUGIN\s+([A-Za-z_][A-Za-z0-9_]*)\s*;?\s*$`)
	showPlugins     = regexp.MustCompile(`(?is)^\s*SHOW\s+PLUGINS\s*;?\s*$`)
	pluginName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// pluginStatement runs INSTALL PLUGIN, UNINSTALL PLUGIN and SHOW PLUGINS, which vitess does not parse.
func (e *Engine) pluginStatement(ctx context.Context, sql string) (*Result, bool, error) {
	if m := installPlugin.FindStringSubmatch(sql); m != nil {
		return &Result{}, true, e.InstallPluginFile(ctx, m[1], m[2])
	}
	if m := uninstallPlugin.FindStringSubmatch(sql); m != nil {
		return &Result{}, true, e.UninstallPlugin(ctx, m[1])
	}
	if showPlugins.MatchString(sql) {
		res, err := e.showPlugins(ctx)
		return res, true, err
	}
	return nil, false, nil
}

func (e *Engine) pluginsEnabled() error {
	if e.cfg.Plugins == nil || e.cfg.PluginDir == "" {
		return sqlerr.New(sqlerr.NotSupportedYet, "This server runs without plugins (no plugin directory)")
	}
	return nil
}

// InstallPluginFile installs the module file (a path in the plugin directory) as plugin name.
func (e *Engine) InstallPluginFile(ctx context.Context, name, file string) error {
	if err := e.pluginsEnabled(); err != nil {
		return err
	}
	rel := filepath.Clean(file)
	if filepath.IsAbs(rel) || rel == "." || strings.HasPrefix(rel, "..") {
		return sqlerr.New(sqlerr.CantOpenLibrary, "Can't open shared library '%s': the file must be in the plugin directory (%s), named relative to it", file, e.cfg.PluginDir)
	}
	module, err := readModule(filepath.Join(e.cfg.PluginDir, rel))
	if err != nil {
		return sqlerr.New(sqlerr.CantOpenLibrary, "Can't open shared library '%s': %v", file, err)
	}
	return e.installPlugin(ctx, name, rel, module)
}

// InstallPlugin writes module into the plugin directory as <name>.wasm and installs it (PUT /v1/plugins/<name>).
func (e *Engine) InstallPlugin(ctx context.Context, name string, module []byte) error {
	if err := e.pluginsEnabled(); err != nil {
		return err
	}
	if !pluginName.MatchString(name) {
		return sqlerr.New(sqlerr.WrongArguments, "Incorrect plugin name '%s': letters, digits and _ only", name)
	}
	if len(module) > MaxPluginSize {
		return sqlerr.New(sqlerr.CantOpenLibrary, "Can't open shared library '%s': the module is %d bytes, more than %d", name, len(module), MaxPluginSize)
	}
	if e.installed(name) {
		return pluginExists(name)
	}
	file := strings.ToLower(name) + ".wasm"
	if err := writeFileAtomic(filepath.Join(e.cfg.PluginDir, file), module); err != nil {
		return sqlerr.New(sqlerr.CantOpenLibrary, "Can't write plugin module '%s': %v", file, err)
	}
	return e.installPlugin(ctx, name, file, module)
}

func pluginExists(name string) error {
	return sqlerr.New(sqlerr.UDFExists, "Plugin '%s' is already installed", name)
}

func (e *Engine) installed(name string) bool {
	e.plugins.mu.RLock()
	defer e.plugins.mu.RUnlock()
	_, ok := e.plugins.loaded[strings.ToLower(name)]
	return ok
}

func (e *Engine) installPlugin(ctx context.Context, name, file string, module []byte) error {
	if e.installed(name) {
		return pluginExists(name)
	}
	p, err := e.cfg.Plugins.Load(ctx, name, module)
	if err != nil {
		return sqlerr.New(sqlerr.CantOpenLibrary, "Can't load plugin '%s' from '%s': %v", name, file, err)
	}
	if err := e.checkNames(p); err != nil {
		_ = p.Close(context.WithoutCancel(ctx))
		return err
	}
	sum := sha256.Sum256(module)
	rec, err := e.cfg.Catalog.InstallPlugin(ctx, etcdmeta.Plugin{Name: strings.ToLower(name), File: file, SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		_ = p.Close(context.WithoutCancel(ctx))
		if errors.Is(err, etcdmeta.ErrPluginExists) {
			return pluginExists(name)
		}
		return err
	}
	e.plugins.mu.Lock()
	defer e.plugins.mu.Unlock()
	e.plugins.loaded[rec.Name] = &loadedPlugin{rec: rec, p: p}
	delete(e.plugins.broken, rec.Name)
	return nil
}

// checkNames refuses a plugin whose functions would shadow a built-in function or another plugin's.
func (e *Engine) checkNames(p *plugins.Plugin) error {
	e.plugins.mu.RLock()
	defer e.plugins.mu.RUnlock()
	for _, f := range p.Functions() {
		if _, ok := lookupFunction(f.Name); ok || slices.Contains(builtinAggregates, f.Name) {
			return sqlerr.New(sqlerr.UDFExists, "Function '%s' already exists (a built-in function); plugin '%s' cannot define it", f.Name, p.Name())
		}
		if f.Kind == plugins.KindCast && nativeTypeNames[f.CustomType] {
			return sqlerr.New(sqlerr.UDFExists, "Type '%s' already exists (a built-in type); plugin '%s' cannot define it", f.CustomType, p.Name())
		}
		for _, lp := range e.plugins.loaded {
			if _, ok := lp.p.Function(f.Name); ok {
				return sqlerr.New(sqlerr.UDFExists, "Function '%s' already exists (plugin '%s')", f.Name, lp.rec.Name)
			}
			for _, g := range lp.p.Functions() {
				if f.Kind == plugins.KindCast && g.Kind == plugins.KindCast && g.CustomType == f.CustomType {
					return sqlerr.New(sqlerr.UDFExists, "Type '%s' already exists (plugin '%s')", f.CustomType, lp.rec.Name)
				}
			}
		}
	}
	return nil
}

var builtinAggregates = []string{"count", "sum", "avg", "min", "max", "std", "stddev", "stddev_pop", "stddev_samp",
	"var_pop", "var_samp", "variance"}

// UninstallPlugin removes a plugin: its record, and its functions from SQL. Its module file stays.
func (e *Engine) UninstallPlugin(ctx context.Context, name string) error {
	if err := e.pluginsEnabled(); err != nil {
		return err
	}
	if cols := customColumnsUsing(e.cfg.Catalog.Snapshot(), strings.ToLower(name)); len(cols) > 0 {
		return sqlerr.New(sqlerr.WrongUsage, "Incorrect usage of UNINSTALL PLUGIN and its types: columns %s are declared with them; drop their tables first", strings.Join(cols, ", "))
	}
	rec, err := e.cfg.Catalog.UninstallPlugin(ctx, strings.ToLower(name))
	if errors.Is(err, etcdmeta.ErrPluginNotFound) {
		return sqlerr.New(sqlerr.NoSuchFunction, "PLUGIN %s does not exist", name)
	}
	if err != nil {
		return err
	}
	e.plugins.mu.Lock()
	lp := e.plugins.loaded[rec.Name]
	delete(e.plugins.loaded, rec.Name)
	delete(e.plugins.broken, rec.Name)
	e.plugins.mu.Unlock()
	if lp != nil {
		// Queries running its functions hold their instances until they end.
		return lp.p.Close(context.WithoutCancel(ctx))
	}
	return nil
}

// LoadPlugins loads the plugins the catalog records, at start-up. A plugin whose module is missing, changed
// (another SHA-256) or refused stays recorded but unloaded: SHOW PLUGINS says why, and the rest load.
func (e *Engine) LoadPlugins(ctx context.Context, log *slog.Logger) error {
	recs, err := e.cfg.Catalog.Plugins(ctx)
	if err != nil || len(recs) == 0 {
		return err
	}
	if err := e.pluginsEnabled(); err != nil {
		return fmt.Errorf("the catalog records %d plugins, and this server runs without a plugin directory", len(recs))
	}
	for _, rec := range recs {
		err := e.loadRecorded(ctx, rec)
		e.plugins.mu.Lock()
		if err != nil {
			e.plugins.broken[rec.Name] = err.Error()
			log.Error("plugin not loaded", "plugin", rec.Name, "file", rec.File, "error", err)
		}
		e.plugins.mu.Unlock()
	}
	return nil
}

func (e *Engine) loadRecorded(ctx context.Context, rec etcdmeta.Plugin) error {
	module, err := readModule(filepath.Join(e.cfg.PluginDir, rec.File))
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(module); hex.EncodeToString(sum[:]) != rec.SHA256 {
		return fmt.Errorf("module %s changed since it was installed (SHA-256 %s, installed %s): reinstall it", rec.File, hex.EncodeToString(sum[:]), rec.SHA256)
	}
	p, err := e.cfg.Plugins.Load(ctx, rec.Name, module)
	if err != nil {
		return err
	}
	e.plugins.mu.Lock()
	defer e.plugins.mu.Unlock()
	e.plugins.loaded[rec.Name] = &loadedPlugin{rec: rec, p: p}
	return nil
}

// ClosePlugins closes every loaded plugin.
func (e *Engine) ClosePlugins(ctx context.Context) {
	e.plugins.mu.Lock()
	defer e.plugins.mu.Unlock()
	for name, lp := range e.plugins.loaded {
		_ = lp.p.Close(ctx)
		delete(e.plugins.loaded, name)
	}
}

func readModule(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxPluginSize {
		return nil, fmt.Errorf("%d bytes, more than %d", st.Size(), MaxPluginSize)
	}
	return os.ReadFile(path)
}

// writeFileAtomic writes a file whole or not at all: a temporary file, fsync, rename, directory fsync.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// showPlugins answers SHOW PLUGINS with MySQL's columns: Name, Status, Type, Library, License.
func (e *Engine) showPlugins(ctx context.Context) (*Result, error) {
	recs, err := e.cfg.Catalog.Plugins(ctx)
	if err != nil {
		return nil, err
	}
	e.plugins.mu.RLock()
	defer e.plugins.mu.RUnlock()
	var rows [][]string
	for _, rec := range recs {
		status := "ACTIVE"
		if why, ok := e.plugins.broken[rec.Name]; ok {
			status = "DISABLED: " + why
		} else if _, ok := e.plugins.loaded[rec.Name]; !ok {
			status = "DISABLED"
		}
		rows = append(rows, []string{rec.Name, status, "WASM", rec.File, ""})
	}
	return textResult([]string{"Name", "Status", "Type", "Library", "License"}, rows), nil
}

// pluginFunctionRows are the rows system.functions shows for plugins: name, kind, plugin, arguments, result type,
// custom type.
func (e *Engine) pluginFunctionRows() [][]any {
	e.plugins.mu.RLock()
	defer e.plugins.mu.RUnlock()
	var rows [][]any
	for _, lp := range e.plugins.loaded {
		for _, f := range lp.p.Functions() {
			args := make([]string, len(f.Args))
			for i, a := range f.Args {
				args[i] = typeName(a)
			}
			var custom any
			if f.CustomType != "" {
				custom = f.CustomType
			}
			rows = append(rows, []any{f.Name, f.Kind.String(), lp.rec.Name, strings.Join(args, ", "), typeName(f.Returns), custom})
		}
	}
	slices.SortFunc(rows, func(a, b []any) int { return strings.Compare(a[0].(string), b[0].(string)) })
	return rows
}

// typeName spells a plugin's argument or result type; a decimal of any precision is "decimal".
func typeName(t sqltype.Type) string {
	if t.Kind == sqltype.KindDecimal && t.Precision == 0 {
		return "decimal"
	}
	return t.String()
}
