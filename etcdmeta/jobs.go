package etcdmeta

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// jobsDir holds background jobs (compactions) under jobs/<id, 20 digits>: a record of what ran, its status
// and figures, read by system.jobs. Jobs are not part of the cached catalog snapshot: they are read on demand.
const jobsDir = "jobs/"

// Job is one background job.
type Job struct {
	ID        uint64    `json:"id"`
	Type      string    `json:"type"` // "compaction"
	Schema    string    `json:"schema"`
	Table     string    `json:"table"`
	Index     string    `json:"index"`
	Status    string    `json:"status"` // "running", "done", "failed", "abandoned", "interrupted"
	Inputs    int       `json:"inputs"`
	Outputs   int       `json:"outputs"`
	Rows      int64     `json:"rows"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished,omitzero"`
	Heartbeat time.Time `json:"heartbeat"`
	Error     string    `json:"error,omitempty"`
}

func jobKey(id uint64) string { return fmt.Sprintf("%s%020d", jobsDir, id) }

// PutJob records a job's current state.
func (s *Store) PutJob(ctx context.Context, j Job) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if _, err := s.cli.Put(ctx, s.key(jobKey(j.ID)), string(v)); err != nil {
		return fmt.Errorf("etcdmeta: recording job %d: %w", j.ID, err)
	}
	return nil
}

// Jobs returns the recorded jobs, oldest first.
func (s *Store) Jobs(ctx context.Context) ([]Job, error) {
	resp, err := s.cli.Get(ctx, s.key(jobsDir), clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("etcdmeta: reading jobs: %w", err)
	}
	out := make([]Job, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var j Job
		if json.Unmarshal(kv.Value, &j) == nil {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

// PruneJobs deletes all but the newest keep jobs.
func (s *Store) PruneJobs(ctx context.Context, keep int) error {
	resp, err := s.cli.Get(ctx, s.key(jobsDir), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return fmt.Errorf("etcdmeta: reading jobs: %w", err)
	}
	if len(resp.Kvs) <= keep {
		return nil
	}
	// Keys sort by ID (fixed-width digits): everything before the keep-th newest goes.
	last := string(resp.Kvs[len(resp.Kvs)-keep-1].Key)
	if _, err := s.cli.Delete(ctx, s.key(jobsDir), clientv3.WithRange(last+"\x00")); err != nil {
		return fmt.Errorf("etcdmeta: pruning jobs: %w", err)
	}
	return nil
}
