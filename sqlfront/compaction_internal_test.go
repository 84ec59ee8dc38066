package sqlfront

import "testing"

func TestPartitionRows(t *testing.T) {
	cases := []struct {
		rows, bytes int64
		threshold   int
		want        int
	}{
		{rows: 100, bytes: 1000, threshold: 20, want: 20},                       // the row threshold
		{rows: 10_000_000, bytes: 1 << 30, threshold: 2_097_152, want: 976_562}, // ~100 MB of Parquet a partition
		{rows: 1_000, bytes: 1000, threshold: 20, want: 63},                     // at most 16 children a pass
		{rows: 0, bytes: 0, threshold: 20, want: 20},
	}
	for _, c := range cases {
		if got := partitionRows(c.rows, c.bytes, c.threshold); got != c.want {
			t.Errorf("partitionRows(%d, %d, %d) = %d, want %d", c.rows, c.bytes, c.threshold, got, c.want)
		}
	}
}
