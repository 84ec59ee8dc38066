package etcdmeta

import (
	"fmt"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// quietLogger is the zap logger vcube gives etcd's server and client: errors only, to stderr. Once silenced
// is set it drops everything, because etcd logs its normal shutdown ("http: Server closed", "use of closed
// network connection") at error level.
func quietLogger(silenced *atomic.Bool) (*zap.Logger, error) {
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(zap.ErrorLevel)
	var opts []zap.Option
	if silenced != nil {
		opts = append(opts, zap.WrapCore(func(c zapcore.Core) zapcore.Core { return silenceableCore{c, silenced} }))
	}
	lg, err := cfg.Build(opts...)
	if err != nil {
		return nil, fmt.Errorf("etcdmeta: build logger: %w", err)
	}
	return lg, nil
}

type silenceableCore struct {
	zapcore.Core
	silenced *atomic.Bool
}

func (c silenceableCore) With(fields []zapcore.Field) zapcore.Core {
	return silenceableCore{c.Core.With(fields), c.silenced}
}

func (c silenceableCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.silenced.Load() {
		return ce
	}
	return c.Core.Check(e, ce)
}
