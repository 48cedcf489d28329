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

// Empty values, as nginx 1.22.1 (Debian) and gunicorn 20.1 wrote them in a
// review: nginx prints a variable that is set but empty as nothing (not
// "-"): $host on a request with no Host, $args with no query string;
// gunicorn's %(q)s likewise. Such a field has no value; the line fits.
func TestEmptyValues(t *testing.T) {
	f, err := Nginx("timed", `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time "$host"`)
	if err != nil {
		t.Fatal(err)
	}
	got := scan(t, f, `127.0.0.1 - - [06/Dec/2026:19:51:17 +0000] "GARBAGE" 400 157 "-" "-" 0.002 - ""`)
	if _, ok := got["$host"]; ok || got["$status"] != "400" {
		t.Fatalf("got %v", got)
	}
	f, err = Nginx("args", `$remote_addr [$time_local] "$request_method $uri" $args $status`)
	if err != nil {
		t.Fatal(err)
	}
	got = scan(t, f, `127.0.0.1 [06/Dec/2026:19:51:17 +0000] "GET /a"  200`)
	if _, ok := got["$args"]; ok || got["$status"] != "200" {
		t.Fatalf("unquoted empty $args: got %v", got)
	}
}

// A custom access_log_format from the gunicorn docs' atoms, lines as
// gunicorn 20.1 (Debian) wrote them: %(q)s is empty with no query
// string, %(p)s is "<pid>", and of %(L)s %(D)s %(T)s the most precise
// (microseconds) sets the duration.
func TestGunicornCustomAtoms(t *testing.T) {
	f, err := Gunicorn("custom", GunicornDefault+` %(L)s %(D)s %(T)s %(p)s "%({x-forwarded-for}i)s" "%({content-type}o)s" %(m)s %(U)s %(q)s %(H)s`)
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, fd := range f.Fields() {
		targets[fd.Name] = fd.Target
	}
	if targets["%(D)s"] != "[event][duration]" || targets["%(L)s"] != "" || targets["%(T)s"] != "" || targets["%(p)s"] != "[process][pid]" {
		t.Fatalf("targets %v", targets)
	}
	got := scan(t, f, `127.0.0.1 - - [06/Dec/2026:19:56:03 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/7.88.1" 0.000463 463 0 <32215> "-" "text/plain" GET /  HTTP/1.1`)
	if got["%(p)s"] != "32215" || got["%(D)s"] != "463" || got["%(U)s"] != "/" {
		t.Fatalf("got %v", got)
	}
	if _, ok := got["%(q)s"]; ok {
		t.Fatalf("an empty query string has a value: %v", got)
	}
	got = scan(t, f, `127.0.0.1 - bob [06/Dec/2026:19:56:03 +0000] "GET /a?x=1&y=%22z%22 HTTP/1.1" 200 5 "-" "curl/7.88.1" 0.000191 191 0 <32215> "10.0.0.1, 10.0.0.2" "text/plain" GET /a x=1&y=%22z%22 HTTP/1.1`)
	if got["%(q)s"] != "x=1&y=%22z%22" || got["%(u)s"] != "bob" {
		t.Fatalf("got %v", got)
	}
}
