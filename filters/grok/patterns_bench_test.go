package grok

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ingestd/ingestd/event"

	pt "github.com/ingestd/ingestd/plugin/plugintest"
)

// BenchmarkShippedPatterns measures each shipped line pattern on the
// corpus lines it matches, and the cost of a failed attempt of it on the
// lines of the other kinds (what a match list pays before the right one).
func BenchmarkShippedPatterns(b *testing.B) {
	corpus := filepath.Join("..", "..", "..", "shared", "corpus")
	families := map[string][]string{
		"dcache": {"DCACHE_MOVER", "DCACHE_DOOR", "DCACHE_REMOVE", "DCACHE_STORAGE_ENTRY", "DCACHE_HIT", "DCACHE_WARNING", "DCACHE_HEADER"},
		"applog": {"APPLOG_PIPE", "APPLOG_PROD", "APPLOG_CELERY", "APPLOG_DETAILED"},
	}
	for family, names := range families {
		lines := messages(b, filepath.Join(corpus, family, "events.jsonl"))
		for _, name := range names {
			f := pt.Filter(b, New, `match: {message: ["%{`+name+`}"]}`).(*Filter)
			var hits, misses []string
			for _, l := range lines {
				if f.MatchIndex("message", l) == 0 {
					hits = append(hits, l)
				} else {
					misses = append(misses, l)
				}
			}
			for _, set := range []struct {
				kind  string
				lines []string
			}{{"match", hits}, {"miss", misses}} {
				if len(set.lines) == 0 {
					continue
				}
				b.Run(name+"/"+set.kind, func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						e := pt.Event(b, `{}`)
						e.SetString(msgPath, set.lines[i%len(set.lines)])
						f.Apply(e)
					}
				})
			}
		}
	}
}

func messages(b testing.TB, path string) []string {
	fh, err := os.Open(path)
	if err != nil {
		b.Skip("corpus not found")
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct{ Message string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil {
			out = append(out, ev.Message)
		}
	}
	return out
}

var msgPath = event.Path{"message"}
