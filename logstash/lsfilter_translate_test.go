package logstash

import (
	"testing"
)

// TestTranslateInPlaceAppliesCommonOptions: logstash-filter-translate's
// filter is
//
//	return unless @updater.test_for_inclusion(event, @override)
//	filter_matched(event) if @updater.update(event) || @source == @target
//
// (lib/logstash/filters/translate.rb): translating a field in place, its
// add_tag and the other common options apply to every event that has the
// field, translated or not. Translating into another field, only when a
// dictionary entry (or the fallback) wrote it.
func TestTranslateInPlaceAppliesCommonOptions(t *testing.T) {
	inPlace := `translate { source => "status" target => "status" override => true dictionary => { "200" => "OK" } add_tag => ["ran"] }`
	for in, want := range map[string]string{
		`{"status":"200"}`: `{"status":"OK","tags":["ran"]}`,
		`{"status":"500"}`: `{"status":"500","tags":["ran"]}`,
		`{"other":"x"}`:    `{"other":"x"}`,
	} {
		doc, yaml := convertAndRun(t, inPlace, in)
		if got := docJSON(doc); got != want {
			t.Errorf("%s: %s, want %s\n%s", in, got, want, yaml)
		}
	}
	other := `translate { source => "status" target => "label" dictionary => { "200" => "OK" } add_tag => ["translated"] }`
	for in, want := range map[string]string{
		`{"status":"200"}`:         `{"label":"OK","status":"200","tags":["translated"]}`,
		`{"status":"500"}`:         `{"status":"500"}`,
		`{"status":["200","500"]}`: `{"label":"OK","status":["200","500"],"tags":["translated"]}`, // the first element (single_value_update.rb, CoerceArray)
	} {
		doc, yaml := convertAndRun(t, other, in)
		if got := docJSON(doc); got != want {
			t.Errorf("%s: %s, want %s\n%s", in, got, want, yaml)
		}
	}
}
