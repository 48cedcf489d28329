package configs_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ingestd/ingestd/builtin"
	"github.com/ingestd/ingestd/config"
	"github.com/ingestd/ingestd/configs"
	"github.com/ingestd/ingestd/engine"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/internal/reallines"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// dotted turns an ECS name ("http.response.status_code") into a path.
func dotted(name string) event.Path {
	if strings.HasPrefix(name, "@") {
		return event.Path{name}
	}
	return event.Path(strings.Split(name, "."))
}

// TestRealLines runs every line of testdata/real (lines as the real
// programs wrote them, each citing its source) through the default config
// as Filebeat would send it (fields.group pt, fields.service the line's
// service; dcache-billing for billing lines) and checks the contract's
// fields by the rules of internal/reallines: no line may be mis-parsed,
// every format the default config ships is at least 98% exact. Formats a
// user declares (their own nginx log_format) run through a format filter
// given that declaration.
func TestRealLines(t *testing.T) {
	reg := builtin.Registry()
	cfg, err := config.LoadFS(configs.FS, configs.DefaultName, "embedded:configs", reg, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Shipped = configs.Shipped
	r, err := engine.BuildOffline(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]plugin.Filter{}
	for name, decl := range reallines.Declared {
		p, _ := reg.Lookup(plugin.KindFilter, "format")
		c := p.NewConfig()
		if err := spec.DecodeYAML(name, "formats: ["+decl+"]", c); err != nil {
			t.Fatal(err)
		}
		f, err := p.Build(c, plugin.Env{Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		declared[name] = f.(plugin.Filter)
	}
	lines, err := reallines.Load("testdata/real")
	if err != nil {
		t.Fatal(err)
	}
	tally := reallines.Tally{}
	for _, rl := range lines {
		if rl.Skip != "" {
			continue
		}
		service := rl.Service
		if rl.Billing() {
			service = "dcache-billing" // what the shipped Filebeat config sends
		}
		doc := map[string]any{"message": rl.Line, "@timestamp": "2026-01-01T00:00:00.000Z",
			"fields": map[string]any{"group": "pt", "service": service}}
		if rl.Path != "" {
			doc["log"] = map[string]any{"file": map[string]any{"path": rl.Path}, "offset": 0}
		}
		data, _ := json.Marshal(doc)
		e, err := event.DecodeEvent(data)
		if err != nil {
			t.Fatal(err)
		}
		var kept bool
		if f, ok := declared[rl.Format]; ok {
			e.Set(event.Path{"service"}, event.String(rl.Service))
			kept = f.Apply(e)
		} else {
			kept = len(r.Route(e).Process(e)) > 0
		}
		if rl.Header() {
			// A billing file's format header teaches the file's templates
			// and is dropped, not indexed.
			if kept {
				tally.Add(rl.Format, reallines.Wrong)
				t.Errorf("%s: a billing header was indexed: %q", rl.Format, rl.Line)
			} else {
				tally.Add(rl.Format, reallines.Exact)
			}
			continue
		}
		failed := false
		for _, tag := range e.Tags() {
			failed = failed || strings.HasSuffix(tag, "parsefailure")
		}
		outcome, bad := rl.Judge(func(name string) (any, bool) {
			v, ok := e.Get(dotted(name))
			if !ok {
				return nil, false
			}
			return v.Interface(), true
		}, failed)
		tally.Add(rl.Format, outcome)
		switch outcome {
		case reallines.Tagged:
			t.Logf("tagged %s: %q", rl.Format, rl.Line)
		case reallines.Wrong:
			t.Errorf("mis-parse %s (%s): %q\n  %s", rl.Format, rl.Source, rl.Line, strings.Join(bad, "\n  "))
		}
	}
	table, problems := tally.Report()
	for _, l := range table {
		t.Log(l)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
