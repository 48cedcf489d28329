package format

import "time"

// Zone names, as Python's %Z writes them (time.strftime: the local
// zone's abbreviation, tzdata's tzname) and Java's z, are resolved to an
// offset in this order:
//
//  1. UTC, GMT, UT and Z are UTC; GMT+01:00 (Java) and numeric names
//     ("-03", "+0545": tzdata's name for a zone without an abbreviation)
//     are their offset;
//  2. a name the configured zone (the format filter's timezone) uses
//     around that date and time means what it means there: IST is
//     +05:30 with Asia/Kolkata and +01:00 with Europe/Dublin, and at the
//     hour a clock is set back the name tells the two 02:30s apart (CEST
//     is the first, CET the second);
//  3. else a name that means one offset in every zone of tzdata
//     (zoneOffsets: CET, CEST, EET, WET, BST, EST, EDT, PDT, JST, …);
//  4. else the time does not convert and the format does not fit: CST
//     (America/Chicago -06:00, Asia/Shanghai +08:00, America/Havana
//     -05:00), CDT (Chicago, Havana), IST (Kolkata, Dublin, Jerusalem)
//     and PST (America/Los_Angeles -08:00, Asia/Manila +08:00) name
//     more than one, and an unknown name names none: set the filter's
//     timezone to the writer's.
//
// zoneOffsets were taken from tzdata 2024 (every zone's name on the 15th
// of each month 2015-2027): the names with one offset, in seconds east
// of UTC. BST is British Summer Time: Asia/Dhaka's zone has written +06
// since tzdata dropped invented names (2017). KST is +09:00 (Pyongyang's
// +08:30 ended in 2018).
var zoneOffsets = map[string]int{
	"UTC": 0, "UT": 0, "GMT": 0, "Z": 0,
	"WET": 0, "WEST": 1 * 3600, "BST": 1 * 3600,
	"CET": 1 * 3600, "CEST": 2 * 3600, "MET": 1 * 3600, "MEST": 2 * 3600,
	"EET": 2 * 3600, "EEST": 3 * 3600, "MSK": 3 * 3600, "IDT": 3 * 3600,
	"WAT": 1 * 3600, "CAT": 2 * 3600, "SAST": 2 * 3600, "EAT": 3 * 3600,
	"PKT": 5 * 3600, "WIB": 7 * 3600, "WITA": 8 * 3600, "WIT": 9 * 3600,
	"HKT": 8 * 3600, "AWST": 8 * 3600, "JST": 9 * 3600, "KST": 9 * 3600,
	"ACST": 9*3600 + 1800, "ACDT": 10*3600 + 1800, "AEST": 10 * 3600, "AEDT": 11 * 3600,
	"ChST": 10 * 3600, "NZST": 12 * 3600, "NZDT": 13 * 3600,
	"NST": -(3*3600 + 1800), "NDT": -(2*3600 + 1800),
	"AST": -4 * 3600, "ADT": -3 * 3600,
	"EST": -5 * 3600, "EDT": -4 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600,
	"PDT":  -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600,
	"HST": -10 * 3600, "HDT": -9 * 3600, "SST": -11 * 3600,
}

// zoneTime is the wall-clock time y-m-d h:mi:s.ns in the zone named
// zone (see zoneOffsets for the order of the rules), loc the configured
// zone; false when the name does not resolve.
func zoneTime(y, m, d, h, mi, s, ns int, zone string, loc *time.Location) (time.Time, bool) {
	utc := time.Date(y, time.Month(m), d, h, mi, s, ns, time.UTC)
	switch zone {
	case "UTC", "GMT", "UT", "Z":
		return utc, true
	}
	// The configured zone's names about that wall-clock time: at it and
	// a day either side, which reaches past any change of offset near it.
	wall := time.Date(y, time.Month(m), d, h, mi, s, ns, loc)
	for _, shift := range [...]time.Duration{0, -26 * time.Hour, 26 * time.Hour} {
		name, off := wall.Add(shift).Zone()
		if name != zone {
			continue
		}
		t := utc.Add(-time.Duration(off) * time.Second).In(loc)
		// That instant has that name there: not a CEST in December.
		if n, o := t.Zone(); n == zone && o == off {
			return t, true
		}
	}
	if off, ok := zoneOffsets[zone]; ok {
		return utc.Add(-time.Duration(off) * time.Second), true
	}
	return time.Time{}, false
}
