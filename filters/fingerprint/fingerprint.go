// Package fingerprint is Logstash's fingerprint filter
// (logstash-filter-fingerprint): it stores a hash of one or more fields,
// or of the whole event, in a target field, byte for byte as Logstash
// computes it, so document ids made from fingerprints stay the same when
// a pipeline moves from Logstash to ingestd (see canon.go for the bytes
// hashed).
package fingerprint

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ingestd/ingestd/convert"
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Register adds the fingerprint filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "fingerprint", "Stores a hash (SHA, MD5, MurmurHash3), a UUID, the punctuation or the masked IP of fields in a target field, as Logstash's fingerprint filter does.", New)
}

// Config is the fingerprint filter's config. Option names and defaults
// are Logstash's.
type Config struct {
	Source []string       `yaml:"source" default:"[message]" doc:"fields hashed; without concatenation each present one in turn overwrites the target, so the last present wins (an array field gets an array of per-element hashes)"`
	Target event.FieldRef `yaml:"target" default:"fingerprint" doc:"field the fingerprint is stored in (Logstash's default without ECS; with ecs_compatibility v1/v8 Logstash uses [event][hash], set it explicitly then)"`
	Method string         `yaml:"method" default:"SHA1" enum:"SHA1,SHA256,SHA384,SHA512,MD5,MURMUR3,MURMUR3_128,IPV4_NETWORK,UUID,PUNCTUATION" doc:"SHA*/MD5: hex (or base64) digest, HMAC when key is set; MURMUR3: unsigned 32-bit number; MURMUR3_128: hex (or base64) digest; IPV4_NETWORK: the IP masked to key bits; UUID: a random v4 UUID; PUNCTUATION: the punctuation and symbols of the text"`
	Key    string         `yaml:"key" doc:"HMAC key for SHA*/MD5; prefix length for IPV4_NETWORK (required there)"`
	// Base64Encode mirrors Logstash's option name (one word).
	Base64Encode         bool `yaml:"base64encode" default:"false" doc:"base64 (standard, padded) instead of hex for SHA*, MD5 and MURMUR3_128"`
	ConcatenateSources   bool `yaml:"concatenate_sources" default:"false" doc:"hash one string |name|value|...| of all sources, sorted by name (not for UUID, PUNCTUATION)"`
	ConcatenateAllFields bool `yaml:"concatenate_all_fields" default:"false" doc:"hash one string |name|value|...| of every top-level field but @metadata, sorted by name (not for UUID, PUNCTUATION)"`
}

// Check reports what New would refuse.
func (c *Config) Check() []spec.FieldError {
	if _, err := compile(c); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

type source struct {
	name string // as written: concatenation hashes it
	path event.Path
	ts   bool // the top-level @timestamp (a Timestamp in Logstash)
}

type filter struct {
	sources []source // in config order
	sorted  []source // by name, as Logstash's @source.sort
	target  event.Path
	method  string
	concat  bool
	all     bool
	b64     bool
	newHash func() hash.Hash // SHA*/MD5
	key     []byte           // HMAC key, nil for a plain digest
	bits    int              // IPV4_NETWORK prefix length
}

// New builds a fingerprint filter.
func New(cfg *Config, _ plugin.Env) (plugin.Filter, error) { return compile(cfg) }

func compile(c *Config) (*filter, error) {
	f := &filter{target: c.Target.Path, method: c.Method, concat: c.ConcatenateSources, all: c.ConcatenateAllFields, b64: c.Base64Encode}
	if len(f.target) == 0 {
		f.target = event.Path{"fingerprint"}
	}
	for _, s := range c.Source {
		p, err := event.ParsePath(s)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s, err)
		}
		f.sources = append(f.sources, source{name: s, path: p, ts: len(p) == 1 && p[0] == "@timestamp"})
	}
	f.sorted = slices.Clone(f.sources)
	slices.SortStableFunc(f.sorted, func(a, b source) int { return strings.Compare(a.name, b.name) })
	switch c.Method {
	case "", "SHA1":
		f.method, f.newHash = "SHA1", sha1.New
	case "SHA256":
		f.newHash = sha256.New
	case "SHA384":
		f.newHash = sha512.New384
	case "SHA512":
		f.newHash = sha512.New
	case "MD5":
		f.newHash = md5.New
	case "IPV4_NETWORK":
		n, err := strconv.Atoi(strings.TrimSpace(c.Key))
		if err != nil || n < 0 || n > 128 {
			return nil, fmt.Errorf("method IPV4_NETWORK: key must be a prefix length (0-32 for IPv4, up to 128 for IPv6), got %q", c.Key)
		}
		f.bits = n
	case "MURMUR3", "MURMUR3_128", "UUID", "PUNCTUATION":
	default:
		return nil, fmt.Errorf("method %q: unknown", c.Method)
	}
	if f.newHash != nil && c.Key != "" {
		f.key = []byte(c.Key)
	}
	return f, nil
}

func (f *filter) Apply(e *event.Event) bool {
	switch {
	case f.method == "UUID":
		e.SetString(f.target, newUUID())
	case f.method == "PUNCTUATION":
		// Logstash walks the sorted sources and overwrites: the last
		// present one wins.
		for _, s := range f.sorted {
			if v, ok := e.Get(s.path); ok && !v.IsNull() {
				e.SetString(f.target, punctuation(v.Text()))
			}
		}
	case f.concat || f.all:
		if v, ok := f.hashBytes(f.concatenation(e)); ok {
			e.Set(f.target, v)
		}
	default:
		f.each(e)
	}
	return true
}

// concatenation builds "|name|value" per field, then "|".
func (f *filter) concatenation(e *event.Event) []byte {
	buf := make([]byte, 0, 256)
	if f.all {
		for _, m := range sortedFields(e.Root()) {
			buf = append(buf, '|')
			buf = append(buf, m.Key...)
			buf = append(buf, '|')
			buf = appendCanon(buf, m.Value, m.Key == "@timestamp")
		}
	} else {
		for _, s := range f.sorted {
			v, _ := e.Get(s.path) // a missing field is nil: ""
			buf = append(buf, '|')
			buf = append(buf, s.name...)
			buf = append(buf, '|')
			buf = appendCanon(buf, v, s.ts)
		}
	}
	return append(buf, '|')
}

// each hashes the sources one by one; Logstash sets the target for each
// present one, so only the last present one counts.
func (f *filter) each(e *event.Event) {
	for i := len(f.sources) - 1; i >= 0; i-- {
		s := f.sources[i]
		v, ok := e.Get(s.path)
		if !ok {
			continue
		}
		if v.Kind() == event.KindArray {
			out := make([]event.Value, 0, v.Len())
			for _, el := range v.Elems() {
				if h, ok := f.hashValue(el.Value, false); ok {
					out = append(out, h)
				}
			}
			e.Set(f.target, event.Array(out...))
		} else if h, ok := f.hashValue(v, s.ts); ok {
			e.Set(f.target, h)
		}
		return
	}
}

// hashValue hashes one value. The murmur methods hash an integer by its
// bytes, as the gem's int hashes do, not by its digits.
func (f *filter) hashValue(v event.Value, ts bool) (event.Value, bool) {
	if v.Kind() == event.KindNumber && convert.IsIntLiteral(v.Text()) { // a Ruby Integer
		if h, ok := f.hashInt(v.Text()); ok {
			return h, true
		}
	}
	return f.hashBytes(appendCanon(nil, v, ts))
}

// hashInt implements MurmurHash3::V32.int64_hash and V128.int32_hash /
// int64_hash (seed 2, as the filter passes it): the little-endian bytes of
// the integer. ok is false for other methods and integers beyond 64 bits.
func (f *filter) hashInt(lit string) (event.Value, bool) {
	if f.method != "MURMUR3" && f.method != "MURMUR3_128" {
		return event.Value{}, false
	}
	var u uint64
	n, err := strconv.ParseInt(lit, 10, 64)
	if err == nil {
		u = uint64(n)
	} else if u, err = strconv.ParseUint(lit, 10, 64); err != nil {
		return event.Value{}, false
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], u)
	if f.method == "MURMUR3" {
		return event.Int(int64(murmur3x86_32(b[:], 0))), true
	}
	data := b[:]
	if err == nil && n >= math.MinInt32 && n <= math.MaxInt32 {
		data = b[:4] // int32_hash: pack("V") of the low 32 bits
	}
	return f.encode(murmurDigest(data)), true
}

func murmurDigest(data []byte) []byte {
	d := murmur3x64_128(data, 2)
	return d[:]
}

// hashBytes hashes a string (the canonical text of a value).
func (f *filter) hashBytes(data []byte) (event.Value, bool) {
	switch f.method {
	case "MURMUR3":
		return event.Int(int64(murmur3x86_32(data, 0))), true
	case "MURMUR3_128":
		return f.encode(murmurDigest(data)), true
	case "IPV4_NETWORK":
		return f.maskIP(string(data))
	}
	var h hash.Hash
	if f.key != nil {
		h = hmac.New(f.newHash, f.key)
	} else {
		h = f.newHash()
	}
	h.Write(data)
	var sum [sha512.Size]byte
	return f.encode(h.Sum(sum[:0])), true
}

func (f *filter) encode(digest []byte) event.Value {
	if f.b64 {
		return event.String(base64.StdEncoding.EncodeToString(digest))
	}
	return event.String(hex.EncodeToString(digest))
}

// maskIP is IPAddr.new(ip).mask(key).to_s. Logstash raises on an invalid
// address (or a prefix longer than the address); the target is left
// unset instead.
func (f *filter) maskIP(s string) (event.Value, bool) {
	addr, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return event.Value{}, false
	}
	p, err := addr.WithZone("").Prefix(f.bits)
	if err != nil {
		return event.Value{}, false
	}
	return event.String(p.Addr().String()), true
}

// punctuation keeps the characters of Unicode categories P and S, as
// Logstash's gsub(/[^[\p{P}\p{S}]]/, "") does.
func punctuation(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return r
		}
		return -1
	}, s)
}

// newUUID returns a random (version 4) UUID, as SecureRandom.uuid.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
