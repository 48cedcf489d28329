package logstash

import "testing"

// TestGrokCaptureIntoExistingObject: %{COMBINEDAPACHELOG} with the legacy
// patterns captures agent, which a Filebeat event has as an object.
// Logstash's grok keeps a field that is neither absent, nil, an Array nor
// a String, and drops the capture (handle in lib/logstash/filters/grok.rb,
// logstash-filter-grok 4.4, lines 418-443); a String field becomes
// [old, new].
func TestGrokCaptureIntoExistingObject(t *testing.T) {
	filter := `grok { ecs_compatibility => disabled match => { "message" => "%{COMBINEDAPACHELOG}" } }`
	line := `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"-\" \"Mozilla/4.08\"`
	doc, yaml := convertAndRun(t, filter, `{"message":"`+line+`","agent":{"type":"filebeat"},"ident":"x"}`)
	if got := docJSON(map[string]any{"agent": doc["agent"], "ident": doc["ident"], "tags": doc["tags"]}); got != `{"agent":{"type":"filebeat"},"ident":["x","-"],"tags":null}` {
		t.Errorf("%s\n%s", got, yaml)
	}
}
