package beats

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/ingestd/ingestd/event"
)

// TLS peer identity: with TLS on, every event of a connection carries
// [@metadata][tls_peer] (Logstash's beats input does with
// ssl_peer_metadata), and tls.allowed_subjects admits connections by the
// subject of their client certificate.

// The values of [@metadata][tls_peer][status].
const (
	// statusVerified: the client presented a certificate that verified
	// against certificate_authorities.
	statusVerified = "verified"
	// statusUnverified: the client presented a certificate that was not
	// verified. The client_auth modes offered never produce it (optional
	// and required fail the handshake of a certificate that does not
	// verify; none does not ask for one); it is kept so the status stays
	// truthful should a mode that asks without verifying be added.
	statusUnverified = "unverified"
	// statusNoClientCert: the client presented no certificate, or was not
	// asked for one (client_auth none); tls.no_cert_status may make it
	// statusUnverified, as Logstash's beats input writes it
	// (message_listener.rb, extract_tls_peer: no peer certificate is
	// "unverified").
	statusNoClientCert = "no_client_cert"
)

// peer is who the client of a TLS connection is, as far as its handshake
// tells.
type peer struct {
	status  string // statusVerified, statusUnverified or statusNoClientCert
	subject string // the leaf certificate's subject (RFC 2253, as pkix.Name.String writes it); "" without one
}

// peerOf reads the peer of a completed handshake; noCert is the status of
// a client without a certificate (tls.no_cert_status).
func peerOf(state tls.ConnectionState, noCert string) peer {
	if len(state.PeerCertificates) == 0 {
		if noCert == "" {
			noCert = statusNoClientCert
		}
		return peer{status: noCert}
	}
	p := peer{status: statusUnverified, subject: state.PeerCertificates[0].Subject.String()}
	// Go fills VerifiedChains only when it verified the chain against
	// ClientCAs; a certificate merely presented leaves it empty.
	if len(state.VerifiedChains) > 0 {
		p.status = statusVerified
	}
	return p
}

// peerMeta is [@metadata][tls_peer] of a connection, built once when its
// handshake is done and shared by all its events: raw objects are never
// written in place (a filter writing into one decodes a copy of its own
// first), so sharing costs each event one member and no allocation.
type peerMeta struct {
	member event.Value // the tls_peer object, for events with @metadata
	whole  event.Value // {"tls_peer": member}, the @metadata of events without
}

var (
	metadataPath = event.Path{event.MetadataKey}
	tlsPeerPath  = event.Path{event.MetadataKey, "tls_peer"}
)

func newPeerMeta(p peer) *peerMeta {
	fields := []event.Field{{Key: "status", Value: event.String(p.status)}}
	if p.subject != "" {
		fields = append(fields, event.Field{Key: "subject", Value: event.String(p.subject)})
	}
	member := event.Object(fields...)
	return &peerMeta{
		member: event.RawObject(string(member.AppendJSON(nil))),
		whole:  event.RawObject(string(event.Object(event.Field{Key: "tls_peer", Value: member}).AppendJSON(nil))),
	}
}

// set gives e the connection's tls_peer, keeping whatever else the client
// sent in @metadata (beat, version, pipeline…) and replacing a tls_peer it
// sent: the client does not vouch for itself.
func (m *peerMeta) set(e *event.Event) {
	if e.Metadata().Kind() == event.KindObject {
		e.Set(tlsPeerPath, m.member) // Filebeat's @metadata: decoded with room to spare
		return
	}
	e.Set(metadataPath, m.whole) // none: no object to allocate per event
}

// subjectRules is tls.allowed_subjects, compiled; none admits everyone.
type subjectRules []subjectPattern

// subjectPattern is an allowed subject split at its '*'s: one part is an
// exact subject.
type subjectPattern []string

// compileSubjects validates and compiles t.AllowedSubjects.
func (t *TLSConfig) compileSubjects() (subjectRules, error) {
	if len(t.AllowedSubjects) == 0 {
		return nil, nil
	}
	if t.ClientAuth != "optional" && t.ClientAuth != "required" {
		return nil, fmt.Errorf("allowed_subjects needs client_auth optional or required: only a client certificate has a subject")
	}
	rules := make(subjectRules, 0, len(t.AllowedSubjects))
	for i, s := range t.AllowedSubjects {
		if err := checkSubjectPattern(s); err != nil {
			return nil, fmt.Errorf("allowed_subjects[%d] %q: %w", i, s, err)
		}
		rules = append(rules, strings.Split(s, "*"))
	}
	return rules, nil
}

// checkSubjectPattern rejects patterns that could never match a subject
// as Go writes it, so that a typo is a validate error rather than a
// client locked out.
func checkSubjectPattern(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("empty pattern")
	case s[0] == ' ':
		return fmt.Errorf("leading space: a subject starts with an attribute type (CN=filebeat01,O=NEANIAS)")
	case s[0] == '/':
		return fmt.Errorf("OpenSSL's /CN=…/O=… form: write it as CN=filebeat01,O=NEANIAS, the most specific attribute first")
	}
	escaped, lastEscaped := false, false
	for i := 0; i < len(s); i++ {
		lastEscaped = escaped
		switch {
		case escaped:
			escaped = false
		case s[i] == '\\':
			escaped = true
		case s[i] == ',' && i+1 < len(s) && s[i+1] == ' ':
			// RFC 2253 as Go writes it separates attributes with a bare
			// comma; OpenSSL prints "CN = x, O = y".
			return fmt.Errorf("space after a comma: attributes are separated by a bare comma (CN=filebeat01,O=NEANIAS)")
		}
	}
	if escaped {
		return fmt.Errorf("ends with a lone backslash")
	}
	if s[len(s)-1] == ' ' && !lastEscaped {
		return fmt.Errorf("trailing space: Go escapes a value's trailing space (\\ )")
	}
	return nil
}

// admit reports why p may not connect (nil when it may): with rules, only
// a verified certificate whose subject one of them matches. An unverified
// subject is whatever the client wrote, so it never matches.
func (r subjectRules) admit(p peer) error {
	if len(r) == 0 {
		return nil
	}
	if p.status != statusVerified {
		return errSubjectRefused{p}
	}
	for _, pat := range r {
		if pat.match(p.subject) {
			return nil
		}
	}
	return errSubjectRefused{p}
}

// match reports whether s is the pattern, each '*' standing for any run
// of characters (commas included).
func (pat subjectPattern) match(s string) bool {
	if len(pat) == 1 {
		return s == pat[0]
	}
	first, last := pat[0], pat[len(pat)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	// Each middle part at its leftmost place: any later one leaves the
	// parts after it less room, never more.
	for _, part := range pat[1 : len(pat)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// errSubjectRefused closes a connection whose client certificate
// tls.allowed_subjects does not admit.
type errSubjectRefused struct{ peer peer }

func (e errSubjectRefused) Error() string {
	switch {
	case e.peer.subject == "":
		return "beats: no client certificate, and tls.allowed_subjects admits only certificates it names"
	case e.peer.status == statusVerified:
		return fmt.Sprintf("beats: client certificate subject %q matches no tls.allowed_subjects", e.peer.subject)
	default:
		return fmt.Sprintf("beats: client certificate %q is %s; tls.allowed_subjects admits only verified ones", e.peer.subject, e.peer.status)
	}
}
