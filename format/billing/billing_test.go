package billing

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/format"
)

// fields is what a scan sets, by the name under [dcache] (the date's text
// as "date_raw"), with the types the shipped parser gives them.
func fields(t testing.TB, v *Variant, line string, m *format.Match) map[string]any {
	t.Helper()
	out := map[string]any{}
	for i, fd := range v.Format.Fields() {
		sp := m.Spans[i]
		if sp.Start < 0 {
			continue
		}
		s := line[sp.Start:sp.End]
		if fd.Kind == format.Time {
			out["date_raw"] = s
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(fd.Target, "[dcache]["), "]")
		switch fd.Kind {
		case format.Int:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", fd.Name, s, err)
			}
			out[name] = n
		case format.Enum:
			out[name] = s == "true"
		default:
			out[name] = s
		}
	}
	for _, g := range v.Groups {
		out[strings.TrimSuffix(strings.TrimPrefix(g.Target, "[dcache]["), "]")] = line[m.Spans[g.First].Start:m.Spans[g.Last].End]
	}
	for _, c := range v.Consts {
		out[strings.TrimSuffix(strings.TrimPrefix(c.Target, "[dcache]["), "]")] = c.Value
	}
	return out
}

// The default templates as billing.properties writes them ("$$$$" is
// "$$"), copied from dCache/dcache:skel/share/defaults/billing.properties
// at 77340d6671e92edc0f4a7142ba6be7cc752b08a1.
var propertiesFile = map[string]string{
	MoverInfo:       `$date$ [$cellType$:$cellName.cell$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$$$storage.storageClass$@$storage.hsm$$$$else$<Unknown>$endif$ $transferred$ $connectionTime$ $created$ {$protocol$} [$initiator$] {$rc$:"$message$"}`,
	RemoveFileInfo:  `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$$$storage.storageClass$@$storage.hsm$$$$else$<Unknown>$endif$ {$rc$:"$message$"}`,
	DoorRequestInfo: `$date$ [$cellType$:$cellName$:$type$] ["$owner$":$uid$:$gid$:$clientChain$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$$$storage.storageClass$@$storage.hsm$$$$else$<Unknown>$endif$ $transactionTime$ $queuingTime$ {$rc$:"$message$"}`,
	StorageInfo:     `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$$$storage.storageClass$@$storage.hsm$$$$else$<Unknown>$endif$ $transferTime$ $queuingTime$ {$rc$:"$message$"}`,
	PoolHitInfo:     `$date$ [$cellType$:$cellName.cell$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$$$storage.storageClass$@$storage.hsm$$$$else$<Unknown>$endif$ $cached$ {$protocol$} {$rc$:"$message$"}`,
	WarningPnfsFile: `$date$ [$cellType$:$cellName$:$type$] {$rc$:"$message$"}`,
}

func TestDefaults(t *testing.T) {
	defs := Defaults()
	if len(defs) != len(propertiesFile) {
		t.Fatalf("%d defaults, want %d", len(defs), len(propertiesFile))
	}
	for mt, raw := range propertiesFile {
		if got := ExpandProperty(raw); got != defs[mt] {
			t.Errorf("%s:\n got %s\nwant %s", mt, defs[mt], got)
		}
		s, err := Compile(mt, defs[mt])
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		want := 2
		if mt == WarningPnfsFile {
			want = 1
		}
		if len(s.Variants()) != want {
			t.Errorf("%s: %d variants, want %d", mt, len(s.Variants()), want)
		}
		if want == 2 {
			v1, v2 := s.Variants()[0], s.Variants()[1]
			if len(v1.Groups) != 1 || v1.Groups[0].Target != "[dcache][storage_info]" || !reflect.DeepEqual(v1.Conds, []Cond{{"storage", true}}) {
				t.Errorf("%s: first variant %+v", mt, v1)
			}
			if !reflect.DeepEqual(v2.Consts, []Const{{"[dcache][storage_info]", "<Unknown>"}}) || !reflect.DeepEqual(v2.Conds, []Cond{{"storage", false}}) {
				t.Errorf("%s: second variant %+v", mt, v2)
			}
		}
		// The raw property value is not a template: "$$" is no escape.
		if strings.Contains(raw, "$$") {
			if _, err := Compile(mt, raw); err == nil {
				t.Errorf("%s: the unexpanded property compiled", mt)
			}
		}
	}
	for mt, ts := range Legacy() {
		for _, tpl := range ts {
			if _, err := Compile(mt, tpl); err != nil {
				t.Errorf("legacy %s: %v", mt, err)
			}
		}
	}
}

func TestTemplateSyntax(t *testing.T) {
	for _, tc := range []struct {
		tpl      string
		variants int
		err      string
	}{
		{`$date; format="yyyy.MM.dd HH:mm:ss:SSS"$ [$type$] $rc$`, 1, ""},
		{`$date$ \$ $type$ $rc$ \\ \}`, 1, ""},
		{`$date$$\t$$type$ $! a comment !$$rc$`, 1, ""},
		{`$date$ $if(a)$x $a$$elseif(b)$y $b$$else$z$endif$ $rc$`, 3, ""},
		{`$date$ $if(a)$x$if(b)$ $b$$endif$$endif$ $rc$`, 3, ""},
		{`$date$ $if(!a && b)$x$endif$ $rc$`, 2, ""},
		{`$date$ $$ $rc$`, 0, "no \"$$\" escape"},
		{`$date$ $if(a)$x $rc$`, 0, "no $endif$"},
		{`$date$ $else$ $rc$`, 0, "without $if$"},
		{`$date$ $rc`, 0, "unclosed $"},
		{`$date$ $names:{n | $n$}$`, 0, "only attributes"},
		{`$date; format="qq"$ $rc$`, 0, "not supported"},
		{`$date$ $a$$b$`, 0, "no text between them"},
		{`$date$ ` + strings.Repeat(`$if(a)$x$else$y$endif$ `, 7) + `$rc$`, 0, "more than 64 variants"},
	} {
		s, err := Compile("t", tc.tpl)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.tpl, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.tpl, err)
			continue
		}
		if len(s.Variants()) != tc.variants {
			t.Errorf("%s: %d variants, want %d", tc.tpl, len(s.Variants()), tc.variants)
		}
	}
	s, err := Compile("t", `$date$ \$$type$ $cellName.domain$ $subject.primaryGid$ $readIdle$ {$rc$:"$message$"}`)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, fd := range s.Variants()[0].Format.Fields() {
		targets = append(targets, fd.Target)
	}
	want := []string{"", "[dcache][msg_type]", "[dcache][cell_domain]", "[dcache][subject_primary_gid]", "[dcache][read_idle]", "[dcache][rc]", "[dcache][error_message]"}
	if !reflect.DeepEqual(targets, want) {
		t.Errorf("targets %q, want %q", targets, want)
	}
	var m format.Match
	line := `10.01 12:00:00 $transfer dom 5 - {0:"x"}`
	v, ok := s.ScanVariant(line, &m)
	if !ok {
		t.Fatalf("%s: %s", line, m.Fail)
	}
	got := fields(t, v, line, &m)
	if _, ok := got["read_idle"]; ok || got["msg_type"] != "transfer" || got["subject_primary_gid"] != "5" {
		t.Errorf("fields %v", got)
	}
}

func TestParseHeader(t *testing.T) {
	mt, tpl, ok := ParseHeader(`## mover-info-message ` + Defaults()[MoverInfo] + "\r")
	if !ok || mt != MoverInfo || tpl != Defaults()[MoverInfo] {
		t.Errorf("got %q %q %v", mt, tpl, ok)
	}
	for _, bad := range []string{"# mover-info-message x", "##  x", "## Mover x", `12.30 21:03:10 [pool:p:transfer]`} {
		if _, _, ok := ParseHeader(bad); ok {
			t.Errorf("%q parsed as a header", bad)
		}
	}
	if mt, tpl, ok := ParseHeader("## warning-pnfs-file-info-message"); !ok || mt != WarningPnfsFile || tpl != "" {
		t.Errorf("empty template: %q %q %v", mt, tpl, ok)
	}
}

// Real billing lines with the fields they must give.
var realLines = []struct {
	src, line string
	want      map[string]any
}{
	// dCache/dcache:modules/dcache/src/test/java/org/dcache/services/billing/text/BillingParserBuilderTest.java
	{"BillingParserBuilderTest.testDoorRequestInfo",
		`09.30 00:00:00 [door:GFTP-fozzie-<unknown>-1092629@gridftp-fozzieDomain:request] ["/C=SI/O=SiGNET/O=IJS/OU=F9/CN=Andrej Filipcic":5002:5000:109.127.252.2] [0000B706DD4045F346F2B90F882B706DA807,0] [/pnfs/ndgf.org/data/atlas/disk/atlasscratchdisk/rucio/user/galhardo/41/d4/user.galhardo.074789._00898.12_SET_2013_FCNCqzl_Pileup_OffsetMu_down.root] atlas:default@osm 21555 0 {0:""}`,
		map[string]any{"date_raw": "09.30 00:00:00", "cell_type": "door", "cell_name": "GFTP-fozzie-<unknown>-1092629@gridftp-fozzieDomain", "msg_type": "request",
			"owner": "/C=SI/O=SiGNET/O=IJS/OU=F9/CN=Andrej Filipcic", "uid": int64(5002), "gid": int64(5000), "client_chain": "109.127.252.2",
			"pnfsid": "0000B706DD4045F346F2B90F882B706DA807", "filesize": int64(0),
			"path":         "/pnfs/ndgf.org/data/atlas/disk/atlasscratchdisk/rucio/user/galhardo/41/d4/user.galhardo.074789._00898.12_SET_2013_FCNCqzl_Pileup_OffsetMu_down.root",
			"storage_info": "atlas:default@osm", "storage_class": "atlas:default", "hsm": "osm", "transaction_time": int64(21555), "queuing_time": int64(0), "rc": int64(0), "error_message": ""}},
	{"BillingParserBuilderTest.testDoorRequestInfo2",
		`09.29 09:52:53 [door:WebDAV-fozzie@webdav-fozzieDomain:request] ["":-1:-1:180.76.5.139] [0000E36A98139448447187701B80645D6430,0] [/pnfs/ndgf.org/data/behrmann/downloads/upgrade-guide.html] ops:default@osm 300139 0 {10006:"No connection from client after 300 seconds. Giving up."}`,
		map[string]any{"date_raw": "09.29 09:52:53", "cell_type": "door", "cell_name": "WebDAV-fozzie@webdav-fozzieDomain", "msg_type": "request",
			"owner": "", "uid": int64(-1), "gid": int64(-1), "client_chain": "180.76.5.139", "pnfsid": "0000E36A98139448447187701B80645D6430", "filesize": int64(0),
			"path": "/pnfs/ndgf.org/data/behrmann/downloads/upgrade-guide.html", "storage_info": "ops:default@osm", "storage_class": "ops:default", "hsm": "osm",
			"transaction_time": int64(300139), "queuing_time": int64(0), "rc": int64(10006), "error_message": "No connection from client after 300 seconds. Giving up."}},
	{"BillingParserBuilderTest.testMoverInfo",
		`09.30 00:00:00 [pool:hpc2n_umu_se_027:transfer] [00000F2490B964E44D55834C6ED03F8F45DD,256437] [Unknown] atlas:default@osm 256437 2784 true {GFtp-2.0 109.105.124.147 60893} [door:GFTP-gonzo-<unknown>-1106473@gridftp-gonzoDomain:1380491986956-1380491987348] {0:""}`,
		map[string]any{"date_raw": "09.30 00:00:00", "cell_type": "pool", "cell_name": "hpc2n_umu_se_027", "msg_type": "transfer",
			"pnfsid": "00000F2490B964E44D55834C6ED03F8F45DD", "filesize": int64(256437), "path": "Unknown", "storage_info": "atlas:default@osm", "storage_class": "atlas:default", "hsm": "osm",
			"transferred": int64(256437), "connection_time": int64(2784), "created": true, "protocol_raw": "GFtp-2.0 109.105.124.147 60893",
			"initiator": "door:GFTP-gonzo-<unknown>-1106473@gridftp-gonzoDomain:1380491986956-1380491987348", "rc": int64(0), "error_message": ""}},
	{"BillingParserBuilderTest.testRemoveFileInfo",
		`09.30 00:00:06 [pool:bccs_uib_no_023@nas023_bccs_uib_no_1Domain:remove] [00007A1CD4E8AB8E4F0C81D7054201C424D9,687926] [Unknown] atlas:default@osm {0:""}`,
		map[string]any{"date_raw": "09.30 00:00:06", "cell_type": "pool", "cell_name": "bccs_uib_no_023@nas023_bccs_uib_no_1Domain", "msg_type": "remove",
			"pnfsid": "00007A1CD4E8AB8E4F0C81D7054201C424D9", "filesize": int64(687926), "path": "Unknown", "storage_info": "atlas:default@osm", "storage_class": "atlas:default", "hsm": "osm", "rc": int64(0), "error_message": ""}},
	// dCache/dcache:docs/TheBook/src/main/markdown/install.md (the billing file after a WebDAV upload, download and delete).
	{"install.md:1355",
		`08.05 07:47:49 [pool:pool1:transfer] [0000FA09235CA0974697AB93F00FFEA61620,964544] [/home/tester/test-file-1] <Unknown>:<Unknown>@osm 964544 323 true {Http-1.1:0:0:0:0:0:0:0:1:0:WebDAV-dcache:dCacheDomain:/home/tester/test-file-1} [door:WebDAV-dcache@dCacheDomain:AAWPWeyoBWg:1564991268926000] {0:""}`,
		map[string]any{"date_raw": "08.05 07:47:49", "cell_type": "pool", "cell_name": "pool1", "msg_type": "transfer",
			"pnfsid": "0000FA09235CA0974697AB93F00FFEA61620", "filesize": int64(964544), "path": "/home/tester/test-file-1", "storage_info": "<Unknown>:<Unknown>@osm", "storage_class": "<Unknown>:<Unknown>", "hsm": "osm",
			"transferred": int64(964544), "connection_time": int64(323), "created": true, "protocol_raw": "Http-1.1:0:0:0:0:0:0:0:1:0:WebDAV-dcache:dCacheDomain:/home/tester/test-file-1",
			"initiator": "door:WebDAV-dcache@dCacheDomain:AAWPWeyoBWg:1564991268926000", "rc": int64(0), "error_message": ""}},
	{"install.md:1356",
		`08.05 07:47:49 [door:WebDAV-dcache@dCacheDomain:request] ["tester":1000:1000:0:0:0:0:0:0:0:1] [0000FA09235CA0974697AB93F00FFEA61620,964544] [/home/tester/test-file-1] <Unknown>:<Unknown>@osm 681 0 {0:""}`,
		map[string]any{"date_raw": "08.05 07:47:49", "cell_type": "door", "cell_name": "WebDAV-dcache@dCacheDomain", "msg_type": "request",
			"owner": "tester", "uid": int64(1000), "gid": int64(1000), "client_chain": "0:0:0:0:0:0:0:1",
			"pnfsid": "0000FA09235CA0974697AB93F00FFEA61620", "filesize": int64(964544), "path": "/home/tester/test-file-1", "storage_info": "<Unknown>:<Unknown>@osm", "storage_class": "<Unknown>:<Unknown>", "hsm": "osm",
			"transaction_time": int64(681), "queuing_time": int64(0), "rc": int64(0), "error_message": ""}},
	{"install.md:1359",
		`08.05 07:48:19 [door:WebDAV-dcache@dCacheDomain:remove] ["tester":1000:1000:unknown] [0000FA09235CA0974697AB93F00FFEA61620,964544] [/home/tester/test-file-1] <Unknown> 0 0 {0:""}`,
		map[string]any{"date_raw": "08.05 07:48:19", "cell_type": "door", "cell_name": "WebDAV-dcache@dCacheDomain", "msg_type": "remove",
			"owner": "tester", "uid": int64(1000), "gid": int64(1000), "client_chain": "unknown",
			"pnfsid": "0000FA09235CA0974697AB93F00FFEA61620", "filesize": int64(964544), "path": "/home/tester/test-file-1", "storage_info": "<Unknown>",
			"transaction_time": int64(0), "queuing_time": int64(0), "rc": int64(0), "error_message": ""}},
	{"install.md:1360",
		`08.05 07:48:38 [pool:pool1@dCacheDomain:remove] [0000FA09235CA0974697AB93F00FFEA61620,964544] [Unknown] <Unknown>:<Unknown>@osm {0:"cleaner-disk@dCacheDomain [PoolRemoveFiles]"}`,
		map[string]any{"date_raw": "08.05 07:48:38", "cell_type": "pool", "cell_name": "pool1@dCacheDomain", "msg_type": "remove",
			"pnfsid": "0000FA09235CA0974697AB93F00FFEA61620", "filesize": int64(964544), "path": "Unknown", "storage_info": "<Unknown>:<Unknown>@osm", "storage_class": "<Unknown>:<Unknown>", "hsm": "osm",
			"rc": int64(0), "error_message": "cleaner-disk@dCacheDomain [PoolRemoveFiles]"}},
	// dCache/dcache:docs/TheBook/src/main/markdown/config-billing.md (the example, its lines joined as the text says they are in the file).
	{"config-billing.md:54",
		`12.10 14:19:42 [pool:pool2@poolDomain-1:transfer] [0000062774D07847475BA78AC99C60F2C2FC,10475] [Unknown] <Unknown>:<Unknown>@osm 10475 40 true {GFtp-1.0 131.169.72.103 37850} [door:WebDAV-example.org@webdavDomain:1355145582248-1355145582485] {0:""}`,
		map[string]any{"date_raw": "12.10 14:19:42", "cell_type": "pool", "cell_name": "pool2@poolDomain-1", "msg_type": "transfer",
			"pnfsid": "0000062774D07847475BA78AC99C60F2C2FC", "filesize": int64(10475), "path": "Unknown", "storage_info": "<Unknown>:<Unknown>@osm", "storage_class": "<Unknown>:<Unknown>", "hsm": "osm",
			"transferred": int64(10475), "connection_time": int64(40), "created": true, "protocol_raw": "GFtp-1.0 131.169.72.103 37850",
			"initiator": "door:WebDAV-example.org@webdavDomain:1355145582248-1355145582485", "rc": int64(0), "error_message": ""}},
	// Not from dCache: the error message holds quotes, braces and "} (the line ends at the last "}).
	{"quotes",
		`12.30 21:03:10 [pool:p1:transfer] [0000019971D5891975B89D60924E9A63E3C8,1] [/a "b"} [c] d] <Unknown> 1 2 false {DCap-3.0,1.2.3.4:5} [door:D@d:1] {666:"Client sent "ABORT"; {"x"} "} was aborted"}`,
		map[string]any{"date_raw": "12.30 21:03:10", "cell_type": "pool", "cell_name": "p1", "msg_type": "transfer",
			"pnfsid": "0000019971D5891975B89D60924E9A63E3C8", "filesize": int64(1), "path": `/a "b"} [c] d`, "storage_info": "<Unknown>",
			"transferred": int64(1), "connection_time": int64(2), "created": false, "protocol_raw": "DCap-3.0,1.2.3.4:5",
			"initiator": "door:D@d:1", "rc": int64(666), "error_message": `Client sent "ABORT"; {"x"} "} was aborted`}},
}

func TestRealLines(t *testing.T) {
	lib := NewLibrary()
	// The BillingParserBuilderTest lines are of dCache's older door
	// default ($client$, before clientChain); learn it as a header would
	// teach it.
	old := strings.Replace(Defaults()[DoorRequestInfo], "$clientChain$", "$client$", 1)
	if err := lib.Learn(DoorRequestInfo, old); err != nil {
		t.Fatal(err)
	}
	var m format.Match
	for _, tc := range realLines {
		v, ok := lib.Scan(tc.line, &m)
		if !ok {
			t.Errorf("%s: does not parse: %s", tc.src, m.Fail)
			continue
		}
		if got := fields(t, v, tc.line, &m); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s (%s):\n got %v\nwant %v", tc.src, v.Format.Name(), got, tc.want)
		}
		// A line cut anywhere does not parse, or not as the same line.
		for _, cut := range []int{len(tc.line) - 1, len(tc.line) - 2, len(tc.line) / 2, 20, 15} {
			if _, ok := lib.Scan(tc.line[:cut], &m); ok {
				t.Errorf("%s: cut at %d parses", tc.src, cut)
			}
		}
	}
}

func TestNoPartialParse(t *testing.T) {
	lib := NewLibrary()
	var m format.Match
	for _, line := range []string{
		`12.30 21:03:10 [pool:p1:transfer] [0000,1] [/a] <Unknown> 1 2 maybe {DCap-3.0,1.2.3.4:5} [door:D@d:1] {0:""}`,
		`12.30 21:03:10 [pool:p1:transfer] [0000,x] [/a] <Unknown> 1 2 true {DCap-3.0,1.2.3.4:5} [door:D@d:1] {0:""}`,
		`12.30 21:03:10 [pool:p1:transfer] [0000,1] [/a] <Unknown> 1 2 true {DCap-3.0,1.2.3.4:5} [door:D@d:1] {0:""} trailing`,
		`12.30 21:03:10 [pool:p1:transfer] [0000,1] [/a] a@b c 1 2 true {DCap-3.0,1.2.3.4:5} [door:D@d:1] {0:""}`,
		`12.30 21:03:10 [PoolManager:PoolManager@d:warning] {10018:"HSM script failed (script reported: 30: tape unavailable`,
		`)"}`,
		`13.45 21:03:10 [PoolManager:PoolManager@d:warning] {0:""}`,
		"## mover-info-message $date$",
		"",
	} {
		if v, ok := lib.Scan(line, &m); ok {
			t.Errorf("%q parses as %s", line, v.Format.Name())
		}
	}
}

// TestCorpus runs the shared corpus (/work/shared/corpus/dcache, made by
// gen_corpus.py): every event, headers taught to the Library as they come,
// and compares the fields the package sets with the expected ones.
func TestCorpus(t *testing.T) {
	dir := "/work/shared/corpus/dcache"
	for _, name := range []string{"events.jsonl", "events.split.jsonl"} {
		evs, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Skip(err)
		}
		defer evs.Close()
		exs, err := os.Open(filepath.Join(dir, strings.Replace(name, "events", "expected", 1)))
		if err != nil {
			t.Fatal(err)
		}
		defer exs.Close()
		owned := []string{"date_raw", "cell_type", "cell_name", "msg_type", "pnfsid", "filesize", "path", "storage_info", "storage_class", "hsm",
			"transferred", "connection_time", "created", "protocol_raw", "initiator", "rc", "error_message", "owner", "uid", "gid",
			"client_chain", "transaction_time", "queuing_time", "transfer_time", "cached"}
		lib := NewLibrary()
		var m format.Match
		es, xs := bufio.NewScanner(evs), bufio.NewScanner(exs)
		es.Buffer(nil, 1<<20)
		xs.Buffer(nil, 1<<20)
		var entries, parsed, exact, rejected, wrongly, headers int
		fieldMiss := map[string]int{}
		for es.Scan() && xs.Scan() {
			var ev struct{ Message string }
			var ex map[string]any
			if err := json.Unmarshal(es.Bytes(), &ev); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(xs.Bytes(), &ex); err != nil {
				t.Fatal(err)
			}
			if ex["kind"] == "header" {
				mt, tpl, ok := ParseHeader(ev.Message)
				if !ok || mt != ex["format_name"] || tpl != ex["format"] {
					t.Errorf("header %q: %q %q %v", ev.Message, mt, tpl, ok)
				}
				if err := lib.Learn(mt, tpl); err != nil {
					t.Errorf("header %q: %v", ev.Message, err)
				}
				headers++
				continue
			}
			v, ok := lib.Scan(ev.Message, &m)
			if ex["valid"] != true {
				rejected++
				if ok {
					wrongly++
					t.Errorf("invalid line parses as %s: %q", v.Format.Name(), ev.Message)
				}
				continue
			}
			entries++
			if !ok {
				t.Errorf("does not parse (%s): %q", m.Fail, ev.Message)
				continue
			}
			parsed++
			got := fields(t, v, ev.Message, &m)
			same := true
			for _, k := range owned {
				want, has := ex[k]
				if f, ok := want.(float64); ok {
					want = int64(f)
				}
				if !has || want == nil {
					want = nil
				}
				g, ok := got[k]
				if !ok {
					g = nil
				}
				if !reflect.DeepEqual(g, want) {
					same = false
					if fieldMiss[k] < 3 {
						t.Logf("%s: got %#v, want %#v in %q", k, g, want, ev.Message)
					}
					fieldMiss[k]++
				}
			}
			if same {
				exact++
			}
		}
		var misses []string
		for k, n := range fieldMiss {
			misses = append(misses, k+"="+strconv.Itoa(n))
		}
		sort.Strings(misses)
		t.Logf("%s: %d headers; %d entries, %d parse, %d with every owned field exact (%.2f%%); %d invalid lines, %d parsed wrongly; field misses %v",
			name, headers, entries, parsed, exact, 100*float64(exact)/float64(max(entries, 1)), rejected, wrongly, misses)
		if exact != entries {
			t.Errorf("%s: %d of %d entries not exact", name, entries-exact, entries)
		}
	}
}

func BenchmarkMoverLine(b *testing.B) {
	lib := NewLibrary()
	line := `12.30 21:03:10 [pool:f01-111-122-e_T_atlas:transfer] [0000019971D5891975B89D60924E9A63E3C8,1482167] [/home/tester/test-file-224] atlas:default@osm 1268203 32007 true {DCap-3.0,145.100.95.27:37378} [door:DCap-dcache-door-04-AAZHMY0DkFw@dcap-dcache-door-04Domain:1767128198060-38622] {0:""}`
	var m format.Match
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := lib.Scan(line, &m); !ok {
			b.Fatal(m.Fail)
		}
	}
}

// TestRealCorpus runs configs/testdata/real/dcache.jsonl (real lines from
// dCache's repository and sites, with the fields the shipped parser
// gives): every field this package sets must be as expected.
func TestRealCorpus(t *testing.T) {
	f, err := os.Open("../../configs/testdata/real/dcache.jsonl")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	lib := NewLibrary()
	var m format.Match
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n, exact := 0, 0
	for sc.Scan() {
		var rec struct {
			MessageType string `json:"message_type"`
			Line        string
			Source      string
			Expect      map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.MessageType == "header" {
			mt, tpl, ok := ParseHeader(rec.Line)
			if !ok || mt != rec.Expect["dcache.format_name"] || tpl != rec.Expect["dcache.format"] {
				t.Errorf("header %q: %q %q %v", rec.Line, mt, tpl, ok)
			}
			continue
		}
		n++
		v, ok := lib.Scan(rec.Line, &m)
		if !ok {
			t.Errorf("%s: does not parse (%s): %q", rec.Source, m.Fail, rec.Line)
			continue
		}
		got := fields(t, v, rec.Line, &m)
		delete(got, "date_raw")
		same := true
		for k, g := range got {
			want, has := rec.Expect["dcache."+k]
			if f, ok := want.(float64); ok {
				want = int64(f)
			}
			if !has || !reflect.DeepEqual(g, want) {
				same = false
				t.Errorf("%q (%s): %s = %#v, want %#v", rec.Line, v.Format.Name(), k, g, want)
			}
		}
		for _, k := range []string{"cell_type", "cell_name", "msg_type", "pnfsid", "filesize", "path", "storage_info", "storage_class", "hsm", "rc", "error_message"} {
			if _, ok := rec.Expect["dcache."+k]; ok {
				if _, ok := got[k]; !ok {
					same = false
					t.Errorf("%q (%s): no %s", rec.Line, v.Format.Name(), k)
				}
			}
		}
		if same {
			exact++
		}
	}
	t.Logf("%d real entries, %d exact", n, exact)
}
