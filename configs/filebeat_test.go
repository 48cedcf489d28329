package configs

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// filebeatSample is the part of filebeat.yml the test reads.
type filebeatSample struct {
	Inputs []struct {
		ID      string `yaml:"id"`
		Parsers []struct {
			Multiline struct {
				Pattern string `yaml:"pattern"`
				Negate  bool   `yaml:"negate"`
				Match   string `yaml:"match"`
			} `yaml:"multiline"`
		} `yaml:"parsers"`
	} `yaml:"filebeat.inputs"`
}

func multilinePattern(t *testing.T, sample filebeatSample, id string) *regexp.Regexp {
	t.Helper()
	for _, in := range sample.Inputs {
		if in.ID == id && len(in.Parsers) > 0 {
			ml := in.Parsers[0].Multiline
			if !ml.Negate || ml.Match != "after" {
				t.Fatalf("%s: the test replays negate: true, match: after only", id)
			}
			return regexp.MustCompile(ml.Pattern)
		}
	}
	t.Fatalf("no multiline parser for input %s", id)
	return nil
}

// join replays Filebeat's multiline (negate: true, match: after): a line
// that does not match the pattern is appended to the event before it.
// Empty lines are dropped, as Filebeat drops them.
func join(t *testing.T, path string, start *regexp.Regexp) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case start.MatchString(line) || len(events) == 0:
			if line != "" {
				events = append(events, line)
			}
		default:
			events[len(events)-1] += "\n" + line
		}
	}
	return events
}

// TestFilebeatMultilineJoinsTheCorpus: the shipped multiline settings join
// the raw corpus files into exactly the corpus' events.
func TestFilebeatMultilineJoinsTheCorpus(t *testing.T) {
	corpus := filepath.Join("..", "..", "shared", "corpus")
	data, err := os.ReadFile(filepath.Join("filebeat", "filebeat.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var sample filebeatSample
	if err := yaml.Unmarshal(data, &sample); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		family, input string
		raw           []string
	}{
		{"applog", "django", glob(t, corpus, "applog/*.log")},
		{"dcache", "dcache-billing", glob(t, corpus, "dcache/billing*/*/*/billing-*")},
	}
	for _, c := range cases {
		start := multilinePattern(t, sample, c.input)
		var got []string
		for _, f := range c.raw {
			got = append(got, join(t, f, start)...)
		}
		want := eventMessages(t, filepath.Join(corpus, c.family, "events.jsonl"))
		sort.Strings(got)
		sort.Strings(want)
		if len(got) != len(want) {
			t.Fatalf("%s: joined %d events from the raw files, corpus has %d", c.family, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: first difference:\n got  %.200q\n want %.200q", c.family, got[i], want[i])
			}
		}
	}
}

func glob(t *testing.T, dir, pattern string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(files) == 0 {
		t.Fatalf("no corpus files %s under %s", pattern, dir)
	}
	return files
}

func eventMessages(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct{ Message string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimRight(ev.Message, "\r"))
	}
	return out
}
