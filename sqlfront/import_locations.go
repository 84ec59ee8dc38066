package sqlfront

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/storage"
)

// importLocations reads the LOCATION files of a table being created into chunk files, flushing every
// importFlushRows rows so memory stays bounded whatever the files' size.
func (e *Engine) importLocations(ctx context.Context, t etcdmeta.Table, tail *createTableTail) (*chunkWriter, int64, error) {
	opts, err := csvOptions(tail.With)
	if err != nil {
		return nil, 0, err
	}
	opts.Mem = e.cfg.Mem
	w, err := e.newChunkWriter(t)
	if err != nil {
		return nil, 0, err
	}
	cols, err := storageColumns(t)
	if err != nil {
		return nil, 0, err
	}
	var pending []arrow.RecordBatch
	var pendingRows, total int64
	release := func() {
		for _, b := range pending {
			b.Release()
		}
		pending, pendingRows = nil, 0
	}
	defer release()
	flush := func() error {
		err := w.write(ctx, pending)
		release()
		return err
	}
	for _, loc := range tail.Locations {
		path, err := location(loc)
		if err != nil {
			return w, 0, err
		}
		err = storage.ReadCSV(ctx, path, cols, opts, func(b arrow.RecordBatch) error {
			b.Retain()
			pending = append(pending, b)
			pendingRows += b.NumRows()
			total += b.NumRows()
			if pendingRows >= importFlushRows {
				return flush()
			}
			return nil
		})
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return w, 0, sqlerr.New(errFileMissing, "File '%s' not found", loc)
			}
			return w, 0, err
		}
	}
	if err := flush(); err != nil {
		return w, 0, err
	}
	return w, total, nil
}

// csvOptions reads WITH (input_format = ..., delimiter = ...).
func csvOptions(with map[string]string) (storage.CSVOptions, error) {
	opts := storage.CSVOptions{Header: true, Delimiter: ','}
	for k, v := range with {
		switch k {
		case "input_format":
			switch strings.ToLower(v) {
			case "csv":
				opts.Header = true
			case "csv_no_header":
				opts.Header = false
			default:
				return opts, sqlerr.New(sqlerr.WrongArguments, "input_format '%s' is not one of csv, csv_no_header", v)
			}
		case "delimiter":
			switch {
			case strings.EqualFold(v, "tab"):
				opts.Delimiter = '\t'
			case len(v) == 1 && v != "\"" && v != "\n" && v != "\r":
				opts.Delimiter = v[0]
			default:
				return opts, sqlerr.New(sqlerr.WrongArguments, "delimiter '%s' must be one character or tab", v)
			}
		default:
			return opts, notSupported(fmt.Sprintf("WITH option %s", k))
		}
	}
	return opts, nil
}
