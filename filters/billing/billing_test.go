package billing

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/rs/zerolog"
)

func newFilter(t *testing.T, dataDir string, cfg Config) *Filter {
	t.Helper()
	if cfg.Source.Path == nil {
		cfg.Source.Path = event.Path{"message"}
	}
	cfg.FileField.Path = event.MustPath("[log][file][path]")
	cfg.AgentField.Path = event.MustPath("[agent][id]")
	cfg.DateTarget.Path = event.MustPath("[@metadata][dcache_date]")
	cfg.LearnHeaders = true
	if cfg.TagOnFailure == nil {
		cfg.TagOnFailure = []string{"_billingparsefailure"}
	}
	f, err := New(&cfg, plugin.Env{DataDir: dataDir, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return f.(*Filter)
}

func billingEvent(t *testing.T, agent, path, line string) *event.Event {
	t.Helper()
	doc := map[string]any{"message": line, "agent": map[string]any{"id": agent}, "log": map[string]any{"file": map[string]any{"path": path}}}
	data, _ := json.Marshal(doc)
	e, err := event.DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func get(e *event.Event, ref string) string {
	v, ok := e.Get(event.MustPath(ref))
	if !ok {
		return "<absent>"
	}
	return v.Text()
}

// A site that added $transferPath$ to its mover template: dCache writes
// the template in the file's "## " header (BillingCell.getFormatHeaders),
// the filter learns it for that file, and the extra attribute lands in
// dcache.transfer_path. The same line in another file, whose header said
// nothing, fits no template and is tagged.
const customMover = `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ $transferred$ $connectionTime$ $created$ {$protocol$} [$initiator$] <$transferPath$> {$rc$:"$message$"}`

const customLine = `12.30 21:03:10 [pool:pool1@poolDomain:transfer] [0000019971D5891975B89D60924E9A63E3C8,1482167] [/data/f1] atlas:default@osm 1268203 32007 true {DCap-3.0,145.100.95.27:37378} [door:DCap-1@dcapDomain:1767128198060-38622] </data/f1.part> {0:""}`

func TestHeadersAreLearnedPerFileAndKept(t *testing.T) {
	dir := t.TempDir()
	f := newFilter(t, dir, Config{})
	const fileA, fileB = "/var/lib/dcache/billing/2025/12/billing-2025.12.30", "/var/lib/dcache/billing/2025/12/billing-2025.12.31"

	header := billingEvent(t, "agent-1", fileA, "## mover-info-message "+customMover)
	if f.Apply(header) {
		t.Fatal("a header line was kept; it is no entry")
	}
	e := billingEvent(t, "agent-1", fileA, customLine)
	f.Apply(e)
	if e.HasTag("_billingparsefailure") || get(e, "[dcache][transfer_path]") != "/data/f1.part" || get(e, "[dcache][transferred]") != "1268203" {
		t.Fatalf("entry of the file with the header: tags %v, transfer_path %s", e.Tags(), get(e, "[dcache][transfer_path]"))
	}
	other := billingEvent(t, "agent-1", fileB, customLine)
	f.Apply(other)
	if !other.HasTag("_billingparsefailure") {
		t.Fatalf("another file's entry took a template it never declared: %s", get(other, "[dcache][transfer_path]"))
	}
	otherAgent := billingEvent(t, "agent-2", fileA, customLine)
	f.Apply(otherAgent)
	if !otherAgent.HasTag("_billingparsefailure") {
		t.Fatal("the same path on another agent took the first agent's template")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	// After a restart the file's template is known without its header.
	g := newFilter(t, dir, Config{})
	again := billingEvent(t, "agent-1", fileA, customLine)
	g.Apply(again)
	if again.HasTag("_billingparsefailure") || get(again, "[dcache][transfer_path]") != "/data/f1.part" {
		t.Fatalf("after a restart: tags %v", again.Tags())
	}
	// Default entries of that file still parse.
	def := billingEvent(t, "agent-1", fileA, `12.30 21:11:20 [pool:rw-pool-09@dcache-pool-05Domain:remove] [00000195E17C056476B7B30501544A8AAD1E,0] [Unknown] atlas:default@osm {0:"migration job deleting source"}`)
	g.Apply(def)
	if def.HasTag("_billingparsefailure") || get(def, "[dcache][error_message]") != "migration job deleting source" {
		t.Fatalf("default entry: tags %v", def.Tags())
	}
}

// A site's template without $type$: the header names the message type,
// and the entry's msg_type (which the shipped config turns into its kind)
// comes from it.
func TestHeaderWithoutTypeGivesTheMessageType(t *testing.T) {
	f := newFilter(t, "", Config{})
	const file = "/var/lib/dcache/billing/2026/01/billing-2026.01.01"
	f.Apply(billingEvent(t, "a", file, `## remove-file-info-message $date$ <$cellName$> [$pnfsid$,$filesize$] {$rc$:"$message$"}`))
	e := billingEvent(t, "a", file, `01.01 00:07:00 <pool_a> [0000C9B4E3768770452E8B1B8E0232584872,42] {0:""}`)
	f.Apply(e)
	if e.HasTag("_billingparsefailure") || get(e, "[dcache][msg_type]") != "remove" || get(e, "[dcache][filesize]") != "42" {
		t.Fatalf("tags %v, msg_type %s", e.Tags(), get(e, "[dcache][msg_type]"))
	}
}

func TestSiteTemplatesFromConfig(t *testing.T) {
	// As written in dcache.conf: $$ for $ ("$$$$" for "$$").
	prop := `$$date$$ [$$cellType$$:$$cellName$$:$$type$$] [$$pnfsid$$,$$filesize$$] [$$path$$] $$if(storage)$$$$storage.storageClass$$@$$storage.hsm$$$$else$$<Unknown>$$endif$$ $$transferred$$ $$connectionTime$$ $$created$$ {$$protocol$$} [$$initiator$$] <$$transferPath$$> {$$rc$$:"$$message$$"}`
	f := newFilter(t, "", Config{Templates: map[string]string{"mover-info-message": prop}})
	e := billingEvent(t, "a", "/x/billing-2025.12.30", customLine)
	f.Apply(e)
	if e.HasTag("_billingparsefailure") || get(e, "[dcache][transfer_path]") != "/data/f1.part" {
		t.Fatalf("tags %v, transfer_path %s", e.Tags(), get(e, "[dcache][transfer_path]"))
	}
	if bad := (&Config{Templates: map[string]string{"mover-info-message": "$date$ $if(x)$ unclosed"}}).Check(); len(bad) == 0 {
		t.Fatal("a broken site template passed Check")
	}
}

func TestDateFormats(t *testing.T) {
	f := newFilter(t, "", Config{DateFormats: []string{"yyyy.MM.dd HH:mm:ss:SSS"}})
	e := billingEvent(t, "a", "/x/billing-2026.01.02", `2026.01.02 10:16:01:439 [PoolManager:PoolManager@poolmanagerDomain:warning] {10018:"Permission denied."}`)
	f.Apply(e)
	if e.HasTag("_billingparsefailure") || get(e, "[@metadata][dcache_date]") != "2026.01.02 10:16:01:439" || get(e, "[dcache][rc]") != "10018" {
		t.Fatalf("tags %v date %s", e.Tags(), get(e, "[@metadata][dcache_date]"))
	}
}

// dCache's JSON billing (billing.format.json = true): the keys of
// org.dcache.notification.MoverInfoMessageSerializer (dCache/dcache:
// modules/dcache/src/main/java/org/dcache/notification/). No real record
// is published; this one is built from the serializer's keys.
func TestJSONRecords(t *testing.T) {
	f := newFilter(t, "", Config{})
	line := `{"VERSION":"1.0","msgType":"transfer","date":"2025-12-30T21:03:10.384+01:00","queuingTime":0,"cellName":"pool1","cellType":"pool","cellDomain":"poolDomain","status":{"code":0,"msg":""},"session":"door:DCap-1@dcapDomain:1767128198060-38622","subject":["UidPrincipal[1000]"],"pnfsid":"0000019971D5891975B89D60924E9A63E3C8","billingPath":"/data/f1","fileSize":1482167,"storageInfo":"atlas:default@osm","transferSize":1268203,"transferTime":32007,"isWrite":"write","protocolInfo":{"protocol":"DCap","versionMajor":3,"versionMinor":0,"host":"145.100.95.27","port":37378},"initiator":"door:DCap-1@dcapDomain:1767128198060-38622","isP2p":false}`
	e := billingEvent(t, "a", "/x/billing-2025.12.30", line)
	f.Apply(e)
	want := map[string]string{
		"@timestamp": "2025-12-30T20:03:10.384Z", "[dcache][msg_type]": "transfer", "[dcache][cell]": "pool1",
		"[dcache][cell_domain]": "poolDomain", "[dcache][rc]": "0", "[dcache][pnfsid]": "0000019971D5891975B89D60924E9A63E3C8",
		"[dcache][filesize]": "1482167", "[dcache][transferred]": "1268203", "[dcache][connection_time]": "32007",
		"[dcache][created]": "true", "[dcache][protocol_name]": "DCap", "[dcache][client_host]": "145.100.95.27",
		"[dcache][client_port]": "37378", "[dcache][storage_info]": "atlas:default@osm", "[dcache][path]": "/data/f1",
	}
	if e.HasTag("_billingparsefailure") {
		t.Fatalf("tags %v", e.Tags())
	}
	for ref, w := range want {
		if got := get(e, ref); got != w {
			t.Errorf("%s: want %s, got %s", ref, w, got)
		}
	}
	bad := billingEvent(t, "a", "/x/billing-2025.12.30", `{"not":"a billing record"}`)
	f.Apply(bad)
	if !bad.HasTag("_billingparsefailure") {
		t.Fatal("a JSON object without msgType was taken as a record")
	}
}

func TestDamagedStateIsNotFatal(t *testing.T) {
	dir := t.TempDir()
	f := newFilter(t, dir, Config{})
	f.Apply(billingEvent(t, "a", "/p", "## mover-info-message "+customMover))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	path := f.files.path
	if err := writeFile(path, "{not json"); err != nil {
		t.Fatal(err)
	}
	g := newFilter(t, dir, Config{}) // must not fail
	e := billingEvent(t, "a", "/p", customLine)
	g.Apply(e)
	if !e.HasTag("_billingparsefailure") {
		t.Fatal("a damaged state file still taught a template")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

func TestExplainSaysWhereTheLineLeaves(t *testing.T) {
	f := newFilter(t, "", Config{})
	e := billingEvent(t, "a", "/x/billing-2025.12.31", `12.31 03:43:58 [pool:rw-pool-07:transfer] [0000D38C9CDDEF474698BA9C23674BD48768,519] [/data/f] atlas:tape@osm 19x52528 1209058 true {DCap-3.0,1.2.3.4:5} [door:x] {0:""}`)
	f.Apply(e)
	report := f.ExplainEvent(e)
	if len(report) == 0 || !strings.Contains(report[0], "at byte 112") {
		t.Fatalf("%v", report)
	}
}

// What is learned from a header outlives the header's event: the beats
// input recycles an event's memory for later batches once the event is
// done, so the learned file's key and template must be copies. Here the
// header's bytes are overwritten after it was applied, as a recycled slab
// is; the file's next entry must still find the template (it fit no
// template when the file's key read as the overwritten bytes), and the
// saved file must name the file, not the garbage.
func TestLearnedTemplatesOutliveTheHeadersMemory(t *testing.T) {
	dir := t.TempDir()
	f := newFilter(t, dir, Config{})
	const file = "/var/lib/dcache/billing/2025/12/billing-2025.12.30"
	data, _ := json.Marshal(map[string]any{"message": "## mover-info-message " + customMover, "agent": map[string]any{"id": "agent-1"}, "log": map[string]any{"file": map[string]any{"path": file}}})
	header, err := event.DecodeEventOwned(data) // the event points into data, as into a slab
	if err != nil {
		t.Fatal(err)
	}
	f.Apply(header)
	for i := range data {
		data[i] = 0xff // recycled
	}
	e := billingEvent(t, "agent-1", file, customLine)
	f.Apply(e)
	if e.HasTag("_billingparsefailure") || get(e, "[dcache][transfer_path]") != "/data/f1.part" {
		t.Fatalf("the file's entry after its header's memory was reused: tags %v, transfer_path %s", e.Tags(), get(e, "[dcache][transfer_path]"))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(dir + "/dcache-billing/templates.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(saved), file) || !strings.Contains(string(saved), "agent-1") || !strings.Contains(string(saved), "transferPath") {
		t.Fatalf("saved templates: %s", saved)
	}
}

// An entry's fields land under dcache at once when the object is new, and
// one by one, keeping what is there, when an earlier filter wrote into
// it: the same fields either way.
func TestEntryFieldsIntoNewAndExistingObject(t *testing.T) {
	f := newFilter(t, t.TempDir(), Config{})
	line := `12.30 21:03:10 [pool:pool1@poolDomain:transfer] [0000019971D5891975B89D60924E9A63E3C8,1482167] [/data/f1] atlas:default@osm 1268203 32007 true {DCap-3.0,145.100.95.27:37378} [door:DCap-1@dcapDomain:1767128198060-38622] {0:""}`
	fresh := billingEvent(t, "a1", "/var/lib/dcache/billing-2025.12.30", line)
	f.Apply(fresh)
	existing := billingEvent(t, "a1", "/var/lib/dcache/billing-2025.12.30", line)
	existing.Set(event.MustPath("[dcache][site]"), event.String("desy"))
	existing.Set(event.MustPath("[dcache][pnfsid]"), event.String("overwritten"))
	f.Apply(existing)
	d1, _ := fresh.Get(event.Path{"dcache"})
	d2, _ := existing.Get(event.Path{"dcache"})
	if d1.Len() < 10 || d2.Len() != d1.Len()+1 || get(existing, "[dcache][site]") != "desy" {
		t.Fatalf("fresh %s\nexisting %s", d1.AppendJSON(nil), d2.AppendJSON(nil))
	}
	for _, m := range d1.Fields() {
		if v, _ := d2.Member(m.Key); string(v.AppendJSON(nil)) != string(m.Value.AppendJSON(nil)) {
			t.Errorf("%s: %s into a new object, %s into one with members", m.Key, m.Value.AppendJSON(nil), v.AppendJSON(nil))
		}
	}
}

// A date target outside @metadata keeps its place among the entry's
// members, as the template orders them (found by review: the fields
// appended at once went after it).
func TestDateTargetKeepsItsPlace(t *testing.T) {
	cfg := Config{Templates: map[string]string{"mover-info-message": `[$cellType$:$cellName$:$type$] $date$ [$pnfsid$,$filesize$] {$rc$:"$message$"}`}}
	f := newFilter(t, t.TempDir(), cfg)
	f.dateTarget = event.MustPath("[dcache][date]")
	e := billingEvent(t, "a1", "/x/billing-2025.12.30", `[pool:pool1@poolDomain:transfer] 12.30 21:03:10 [0000019971D5891975B89D60924E9A63E3C8,1482167] {0:""}`)
	f.Apply(e)
	d, _ := e.Get(event.Path{"dcache"})
	var keys []string
	for _, m := range d.Fields() {
		keys = append(keys, m.Key)
	}
	if len(keys) < 4 || keys[0] == "date" || !slices.Contains(keys, "date") {
		t.Fatalf("members in order %q: %s", keys, d.AppendJSON(nil))
	}
}

// A JSON store or restore record's date is java.util.Date's text
// (dCache/dcache: StorageInfoMessageSerializer puts new Date(ts), which
// org.json prints so), its zone abbreviation read in the pipeline's zone;
// a date neither form reads is tagged, not left as Filebeat's time
// silently. The record is built from the serializer's keys.
func TestJSONStoreRecordDate(t *testing.T) {
	cfg := Config{TagOnFailure: []string{"_billingparsefailure"}}
	cfg.Source.Path = event.Path{"message"}
	cfg.FileField.Path = event.MustPath("[log][file][path]")
	cfg.AgentField.Path = event.MustPath("[agent][id]")
	cfg.DateTarget.Path = event.MustPath("[@metadata][dcache_date]")
	built, err := New(&cfg, plugin.Env{Logger: zerolog.Nop(), Timezone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	f := built.(*Filter)
	record := func(date string) string {
		return `{"VERSION":"1.0","msgType":"restore","date":"` + date + `","queuingTime":0,"cellName":"pool1","cellType":"pool","cellDomain":"poolDomain","status":{"code":0,"msg":""},"pnfsid":"0000019971D5891975B89D60924E9A63E3C8","billingPath":"/data/f1","fileSize":1482167,"storageInfo":"atlas:default@osm","transferTime":32007}`
	}
	for date, want := range map[string]string{
		"Tue Dec 30 21:03:10 CET 2025":  "2025-12-30T20:03:10.000Z",
		"Mon Jun 02 21:03:10 CEST 2025": "2025-06-02T19:03:10.000Z",
		"Tue Dec 30 21:03:10 UTC 2025":  "2025-12-30T21:03:10.000Z",
	} {
		e := billingEvent(t, "a", "/x/billing-2025.12.30", record(date))
		f.Apply(e)
		if got := get(e, "@timestamp"); got != want || len(e.Tags()) != 0 {
			t.Errorf("%s: @timestamp %s, tags %v; want %s", date, got, e.Tags(), want)
		}
	}
	for _, bad := range []string{"yesterday", "Tue Dec 30 21:03:10 XYZT 2025"} {
		e := billingEvent(t, "a", "/x/billing-2025.12.30", record(bad))
		f.Apply(e)
		if !e.HasTag("_dateparsefailure") {
			t.Errorf("an unreadable date %q: tags %v", bad, e.Tags())
		}
	}
	// A pipeline in UTC (the default) still reads a site's CET.
	cfg.Source.Path = event.Path{"message"}
	utc, _ := New(&cfg, plugin.Env{Logger: zerolog.Nop()})
	e := billingEvent(t, "a", "/x/billing-2025.12.30", record("Tue Dec 30 21:03:10 CET 2025"))
	utc.(*Filter).Apply(e)
	if got := get(e, "@timestamp"); got != "2025-12-30T20:03:10.000Z" {
		t.Errorf("CET in a UTC pipeline: %s", got)
	}
}
