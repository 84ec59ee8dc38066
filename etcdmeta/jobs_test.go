package etcdmeta

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJobsRecordedAndPruned(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for id := uint64(1); id <= 12; id++ {
		require.NoError(t, s.PutJob(ctx, Job{ID: id, Type: "compaction", Schema: "s", Table: "t", Index: "default",
			Status: "running", Started: start}))
	}
	done := Job{ID: 7, Type: "compaction", Schema: "s", Table: "t", Index: "default", Status: "done", Outputs: 2,
		Started: start, Finished: start.Add(time.Second)}
	require.NoError(t, s.PutJob(ctx, done))
	jobs, err := s.Jobs(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 12)
	for i, j := range jobs {
		assert.Equal(t, uint64(i+1), j.ID, "oldest first")
	}
	assert.Equal(t, done, jobs[6])

	require.NoError(t, s.PruneJobs(ctx, 5))
	jobs, err = s.Jobs(ctx)
	require.NoError(t, err)
	var ids []uint64
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	assert.Equal(t, []uint64{8, 9, 10, 11, 12}, ids, "the newest five remain")
	require.NoError(t, s.PruneJobs(ctx, 5), "nothing more to prune")
	// Jobs are not catalog objects: the snapshot has no trace of them.
	_, ok := s.Snapshot().Table("s", "t")
	assert.False(t, ok)
}
