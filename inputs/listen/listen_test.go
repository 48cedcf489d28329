package listen

import (
	"net"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:5000": "",
		"[::1]:0":      "",
		":65535":       "",
		"5000":         "want host:port",
		":x":           "is not a number",
		":65536":       "is not a number",
		":-1":          "is not a number",
	} {
		err := Check(addr)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", addr, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want one containing %q", addr, err, want)
		}
	}
}

func TestBound(t *testing.T) {
	var b Bound
	serving := b.Serving()
	select {
	case <-serving:
		t.Fatal("serving before Bind")
	default:
	}
	if b.Addr() != nil {
		t.Fatalf("Addr before Bind: %v", b.Addr())
	}
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5044}
	b.Bind(a)
	<-serving // the channel handed out before Bind is the one closed
	<-b.Serving()
	if b.Addr() != a {
		t.Fatalf("Addr %v, want %v", b.Addr(), a)
	}
}
