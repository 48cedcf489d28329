// Package harness is the load harness' scenario, shared by the harness
// (cmd/ingestd-bench) and the benchmarks that measure a part of it: the
// app-log lines it replays, the Filebeat events it wraps them in and the
// pipeline it runs them through.
package harness

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// Pipelines is the scenario's pipelines section (YAML), with workers
// pipeline workers: dissect of LEVEL|logger|ts|msg, group and service
// copied from Filebeat's fields, a data stream per service.
func Pipelines(workers int) string {
	return fmt.Sprintf(`pipelines:
  - name: pt
    workers: %d
    filters:
      - dissect:
          mapping: {message: "%%{log_level}|%%{logger_name}|%%{[@metadata][ts]}|%%{message}"}
      - mutate:
          copy: {"[fields][group]": group, "[fields][service]": service}
    data_stream:
      dataset: "%%{[service]}"
      namespace: "%%{[group]}"
`, workers)
}

// Event is the Filebeat filestream event carrying msg at offset in its
// file, as the harness sends it.
func Event(msg string, offset int) []byte {
	m, _ := json.Marshal(msg)
	return []byte(`{"@timestamp":"2026-11-20T22:17:34.366Z","@metadata":{"beat":"filebeat","type":"_doc","version":"9.3.0"},` +
		`"agent":{"ephemeral_id":"68a3","id":"4204","name":"vm","type":"filebeat","version":"9.3.0"},"ecs":{"version":"8.0.0"},` +
		`"fields":{"group":"pt","service":"django"},"host":{"name":"vm"},"input":{"type":"filestream"},` +
		`"log":{"file":{"device_id":"65024","inode":"9986354","path":"/var/log/parcels/django.log"},"offset":` + strconv.Itoa(offset) + `},` +
		`"message":` + string(m) + `}`)
}

// SyntheticEvent is the i-th of a run of harness events with a short
// generated pipe-format line (~130 bytes), for benchmarks that need no
// corpus.
func SyntheticEvent(i int) []byte {
	return Event("INFO|apps.parcels.views|2025-02-02T12:34:56."+strconv.Itoa(100+i%900)+
		"|Parcel "+strconv.Itoa(i)+` shipped to customer via carrier API (attempt 1) "express"`, i*200)
}

// CorpusEvents returns the events of a corpus file as they are, each with
// its own fields, tags and file path (so the default config routes each
// family to its own pipeline).
func CorpusEvents(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			out = append(out, append([]byte(nil), sc.Bytes()...))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("harness: read %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("harness: %s holds no events", path)
	}
	return out, nil
}

// Messages returns the lines the load replays: the corpus' pipe-format
// messages (all of its messages with all) when a corpus file is given,
// else generated pipe-format lines.
func Messages(path string, all bool) ([]string, error) {
	var out []string
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var ev struct{ Message string }
			if json.Unmarshal(sc.Bytes(), &ev) == nil && len(ev.Message) > 0 && (all || ev.Message[0] >= 'A' && ev.Message[0] <= 'Z' && containsPipe(ev.Message)) {
				out = append(out, ev.Message)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	levels := []string{"INFO", "DEBUG", "WARNING", "ERROR"}
	loggers := []string{"apps.parcels.views", "django.server", "apps.billing.tasks", "botocore.endpoint"}
	for i := 0; i < 1000; i++ {
		out = append(out, fmt.Sprintf("%s|%s|2025-02-02T12:%02d:%02d.%03d|Parcel %d shipped to customer %d via carrier API (attempt %d)",
			levels[i%4], loggers[i%4], i/60%60, i%60, i%1000, i*7, i*13, i%5))
	}
	return out, nil
}

func containsPipe(s string) bool {
	n := 0
	for i := 0; i < len(s) && i < 200; i++ {
		if s[i] == '|' {
			n++
		}
	}
	return n >= 3
}
