package billing

import (
	"strings"
	"time"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/format/billing"
)

// jsonPrefix says which of billing.JSONFields' record-specific keys apply
// to a record of a msgType.
var jsonPrefix = map[string]string{
	"transfer": "mover:", "request": "door:", "remove": "door:",
	"store": "storage:", "restore": "storage:", "hit": "hit:",
}

// applyJSON parses a record of dCache's JSON billing format
// (billing.format.json = true), one object per line: its keys go where the
// text templates' attributes go, and its date, which has an offset, is
// the @timestamp (no year rule). It reports false for a line that is not
// such a record.
func (f *Filter) applyJSON(e *event.Event, line string) bool {
	rec, err := event.DecodeEvent([]byte(line))
	if err != nil {
		return false
	}
	root := rec.Root()
	if root.Kind() != event.KindObject {
		return false
	}
	msgType, ok := root.Member("msgType")
	if !ok || msgType.Kind() != event.KindString {
		return false
	}
	prefix := jsonPrefix[msgType.Str()]
	// A pool's remove record has no door keys; they are absent anyway.
	var set func(key string, v event.Value)
	set = func(key string, v event.Value) {
		if v.Kind() == event.KindObject {
			if target, ok := f.jsonTarget(prefix, key); ok && key != "" {
				e.Set(target, v) // a mapped object (door's moverInfo) as it is
				return
			}
			for _, fl := range v.Fields() {
				set(key+"."+fl.Key, fl.Value)
			}
			return
		}
		target, ok := f.jsonTarget(prefix, key)
		if !ok {
			return
		}
		switch {
		case key == "date":
			if t, ok := f.jsonDate(v.Str()); ok {
				e.SetTimestamp(t)
			} else {
				e.AddTags([]string{"_dateparsefailure"}) // as the date filter tags a time it cannot read
			}
		case key == "isWrite" && prefix == "mover:":
			e.SetString(target, boolText(v.Str() == "write"))
		case v.Kind() == event.KindBool:
			e.SetString(target, boolText(v.BoolValue()))
		default:
			e.Set(target, v)
		}
	}
	for _, fl := range root.Fields() {
		if fl.Key == "VERSION" || fl.Key == "version" {
			continue
		}
		set(fl.Key, fl.Value)
	}
	// The text format's storage_info of a record without storage info.
	if _, ok := root.Member("storageInfo"); !ok && (prefix == "mover:" || prefix == "storage:") {
		e.SetString(event.MustPath("[dcache][storage_info]"), "<Unknown>")
	}
	return true
}

// javaDate is java.util.Date's toString, which StorageInfoMessageSerializer
// writes for a store or restore record's date (org.json prints the Date
// object so), where the other serializers write ISO_OFFSET_DATE_TIME.
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// jsonDate reads a JSON record's date: ISO with its offset, or a Java
// Date's text, whose zone abbreviation (CET, CEST) is read in the
// pipeline's zone, the site's, else by the table of common ones; an
// abbreviation neither knows is no date (Go would read it as UTC).
func (f *Filter) jsonDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation(javaDate, s, f.loc)
	if err != nil {
		return time.Time{}, false
	}
	name, offset := t.Zone()
	if t.Location() == f.loc || name == "UTC" || name == "GMT" {
		return t, true
	}
	known, ok := zoneOffsets[name]
	if !ok || offset != 0 {
		return time.Time{}, false
	}
	return t.Add(-time.Duration(known) * time.Hour).UTC(), true
}

// zoneOffsets are the hours east of UTC of the zone abbreviations a JVM
// writes most, for a site whose pipeline zone is not its own.
var zoneOffsets = map[string]int{
	"WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
}

func (f *Filter) jsonTarget(prefix, key string) (event.Path, bool) {
	key = strings.TrimPrefix(key, ".")
	t, ok := billing.JSONFields[prefix+key]
	if !ok {
		if t, ok = billing.JSONFields[key]; !ok {
			return nil, false
		}
	}
	if t == "@timestamp" {
		return event.Path{"@timestamp"}, true
	}
	p, err := event.ParsePath(t)
	return p, err == nil
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
