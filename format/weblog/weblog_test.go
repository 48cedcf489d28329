package weblog

import (
	"testing"

	"github.com/ingestd/ingestd/format"
)

func scan(t *testing.T, f *format.Format, line string) map[string]string {
	t.Helper()
	var m format.Match
	if !f.Scan(line, &m) {
		t.Fatalf("%q does not fit: %v", line, m.Fail)
	}
	out := map[string]string{}
	for i, fd := range f.Fields() {
		if sp := m.Spans[i]; sp.Start >= 0 {
			out[fd.Name] = line[sp.Start:sp.End]
		}
	}
	return out
}

// Lines as nginx 1.22.1 (Debian) wrote them; more in
// configs/testdata/real/nginx.jsonl.
func TestNginx(t *testing.T) {
	f, err := Nginx("main", `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" ${request_time}s $upstream_cache_status`)
	if err != nil {
		t.Fatal(err)
	}
	got := scan(t, f, `::1 - bob [06/Dec/2026:01:52:50 +0000] "GET /a\x22b HTTP/1.1" 200 6 "-" "curl/7.88.1" "10.0.0.1, 10.0.0.2" 0.005s HIT`)
	if got["$remote_user"] != "bob" || got["$request"] != `GET /a\x22b HTTP/1.1` || got["$http_x_forwarded_for"] != "10.0.0.1, 10.0.0.2" || got["${request_time}"] != "0.005" {
		t.Fatalf("got %v", got)
	}
	fields := map[string]string{}
	for _, fd := range f.Fields() {
		fields[fd.Name] = fd.Target
	}
	if fields["$http_x_forwarded_for"] != "[http][request][headers][x_forwarded_for]" || fields["$upstream_cache_status"] != "[nginx][upstream_cache_status]" {
		t.Fatalf("targets %v", fields)
	}
	var m format.Match
	if f.Scan(`1.2.3.4 - - [06/Dec/2026:01:52:50 +0000] "GET / HTTP/1.1" 200 6 "-" "a"b" "-" 0.1s -`, &m) {
		t.Fatal("a raw quote inside a quoted variable fit")
	}
}

func TestGunicorn(t *testing.T) {
	f, err := Gunicorn("access", GunicornDefault+` %(D)s %({X-Request-Id}i)s`)
	if err != nil {
		t.Fatal(err)
	}
	got := scan(t, f, `127.0.0.1 - - [06/Dec/2026:01:54:46 +0000] "GET /x\"y HTTP/1.1" 200 10 "-" "curl/7.88.1" 1234 abc`)
	if got["%(r)s"] != `GET /x\"y HTTP/1.1` || got["%(D)s"] != "1234" || got["%({X-Request-Id}i)s"] != "abc" {
		t.Fatalf("got %v", got)
	}
	if f.Fields()[len(f.Fields())-1].Target != "[http][request][headers][x_request_id]" {
		t.Fatal("header target")
	}
	if _, err := Gunicorn("bad", "%(Z)s"); err == nil {
		t.Fatal("an unknown atom compiled")
	}
}
