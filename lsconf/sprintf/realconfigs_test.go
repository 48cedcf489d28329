package sprintf

import (
	"testing"

	"github.com/ingestd/ingestd/lsconf"
	"github.com/ingestd/ingestd/lsconf/load"
)

// The sprintf references of real configurations (lsconf/testdata says
// where each comes from) parse, and parse into what Logstash reads.
func TestRealConfigsTemplates(t *testing.T) {
	parse := func(name string) *lsconf.Config {
		cfg, err := load.Path("../testdata/"+name, lsconf.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := parse("elastic-examples/ssh_analysis_logstash.conf")
	idx := cfg.Plugins(lsconf.KindOutput)[0].Attr("index").Value.(*lsconf.String)
	if tpl, err := Parse(idx.Value); err != nil || describeTemplate(tpl) != `"cef-ssh-" joda:YYYY.MM.dd` {
		t.Errorf("index template %s %v", describeTemplate(tpl), err)
	}

	// Every sprintf reference of the PT group's filters parses.
	cfg = parse("pt/logstash.conf")
	n := 0
	for _, p := range cfg.Plugins(lsconf.KindFilter) {
		lsconf.Inspect(p, func(node lsconf.Node) bool {
			if s, ok := node.(*lsconf.String); ok {
				n++
				if _, err := Parse(s.Value); err != nil {
					t.Errorf("%s: %v", s.Pos, err)
				}
			}
			return true
		})
	}
	if n < 20 {
		t.Errorf("%d strings in the PT filters", n)
	}
}
