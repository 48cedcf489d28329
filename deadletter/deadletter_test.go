package deadletter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// WriteRetrying retries while the disk refuses (here the store's
// directory is a file), and writes once it takes them; a context that
// ends stops it with an error, the records unwritten.
func TestWriteRetrying(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dl")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	block := func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	block()
	recs := []Record{{Time: time.Now(), Pipeline: "p", Output: "o", Event: []byte(`{"a":1}`)}}
	failures := 0
	err = s.WriteRetrying(context.Background(), recs, func(int) time.Duration { return time.Millisecond }, func(error) {
		if failures++; failures == 3 {
			_ = os.Remove(dir)
			_ = os.MkdirAll(dir, 0o755)
		}
	})
	if err != nil || failures != 3 {
		t.Fatalf("err %v after %d failures, want nil after 3", err, failures)
	}
	if entries, _ := os.ReadDir(dir); len(entries) == 0 {
		t.Fatal("nothing written once the disk took it")
	}
	s.Close()
	s, _ = Open(filepath.Join(t.TempDir(), "dl2"))
	dir = s.Dir()
	block()
	ctx, cancel := context.WithCancel(context.Background())
	err = s.WriteRetrying(ctx, recs, func(int) time.Duration { return time.Millisecond }, func(error) { cancel() })
	if err == nil {
		t.Fatal("an ended context did not stop the retries")
	}
}
