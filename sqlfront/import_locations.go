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
	"github.com/vcubedb/vcube/internal/sqltype"
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
	// Custom columns are read in their cast's argument type, then cast a batch at a time.
	casts, staged, err := e.columnCasts(t, cols)
	if err != nil {
		return w, 0, err
	}
	schema := columnsSchema(cols)
	// Parsing and writing overlap: full sets of batches go to one writer goroutine while the reader fills the
	// next, so at most two sets (importFlushRows rows each) are in memory whatever the files' size.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sets := make(chan []arrow.RecordBatch)
	writeErr := make(chan error, 1)
	go func() {
		var err error
		for set := range sets {
			if err == nil {
				// Join the set into one batch, then let the parts go before the heavy work.
				var all arrow.RecordBatch
				if all, err = sqltype.ConcatBatches(e.cfg.Mem, set[0].Schema(), set); err == nil {
					for _, b := range set {
						b.Release()
					}
					set = nil
					err = w.write(ctx, []arrow.RecordBatch{all})
					all.Release()
				}
				if err != nil {
					cancel() // stop the reader: the import has failed
				}
			}
			for _, b := range set {
				b.Release()
			}
		}
		writeErr <- err
	}()
	var pending []arrow.RecordBatch
	var pendingRows, total int64
	send := func() {
		if len(pending) > 0 {
			sets <- pending
		}
		pending, pendingRows = nil, 0
	}
	var readErr error
	for _, loc := range tail.Locations {
		path, err := location(loc)
		if err != nil {
			readErr = err
			break
		}
		err = storage.ReadCSV(ctx, path, staged, opts, func(b arrow.RecordBatch) error {
			if casts == nil {
				b.Retain()
			} else {
				var err error
				if b, err = castColumns(ctx, b, casts, t, schema, func(int) string { return "in '" + loc + "'" }); err != nil {
					return err
				}
			}
			pending = append(pending, b)
			pendingRows += b.NumRows()
			total += b.NumRows()
			if pendingRows >= e.importRows() {
				send()
			}
			return nil
		})
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = sqlerr.New(errFileMissing, "File '%s' not found", loc)
			}
			readErr = err
			break
		}
	}
	if readErr == nil {
		send()
	}
	for _, b := range pending {
		b.Release()
	}
	close(sets)
	// A write error comes first: the reader's error is then only the cancellation it caused.
	if err := <-writeErr; err != nil {
		return w, 0, err
	}
	if readErr != nil {
		return w, 0, readErr
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
