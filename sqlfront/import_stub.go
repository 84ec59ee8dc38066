//go:build !csvimport

package sqlfront

import (
	"context"

	"github.com/vcubedb/vcube/etcdmeta"
)

func (e *Engine) importLocations(ctx context.Context, t etcdmeta.Table, tail *createTableTail) (*chunkWriter, int64, error) {
	return nil, 0, notSupported("LOCATION")
}
