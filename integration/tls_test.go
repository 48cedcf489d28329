package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and client
// certificates, plus a rogue client certificate from another CA.
type testPKI struct {
	dir                   string
	caFile                string
	serverCert, serverKey string
	clientCert, rogueCert tls.Certificate
	roots                 *x509.CertPool
	ca                    *x509.Certificate // the CA, to sign more clients
	caKey                 *ecdsa.PrivateKey
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir(), roots: x509.NewCertPool()}
	ca, caKey := makeCA(t, "ingestd test CA")
	p.ca, p.caKey = ca, caKey
	p.roots.AddCert(ca)
	p.caFile = writePEM(t, p.dir, "ca.pem", "CERTIFICATE", ca.Raw)
	srv, srvKey := makeLeaf(t, ca, caKey, "ingestd", x509.ExtKeyUsageServerAuth)
	p.serverCert = writePEM(t, p.dir, "server.pem", "CERTIFICATE", srv.Certificate[0])
	der, _ := x509.MarshalECPrivateKey(srvKey)
	p.serverKey = writePEM(t, p.dir, "server.key", "EC PRIVATE KEY", der)
	p.clientCert, _ = makeLeaf(t, ca, caKey, "accounting-agent-1", x509.ExtKeyUsageClientAuth)
	rogueCA, rogueKey := makeCA(t, "rogue CA")
	p.rogueCert, _ = makeLeaf(t, rogueCA, rogueKey, "intruder", x509.ExtKeyUsageClientAuth)
	return p
}

func makeCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func makeLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, usage x509.ExtKeyUsage) (tls.Certificate, *ecdsa.PrivateKey) {
	return makeLeafSubject(t, ca, caKey, pkix.Name{CommonName: name}, usage)
}

func makeLeafSubject(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, subject pkix.Name, usage x509.ExtKeyUsage) (tls.Certificate, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, key
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (p *testPKI) config(clientAuth string) string {
	return basicConfig(fmt.Sprintf(`      tls:
        enabled: true
        certificate: %s
        key: %s
        certificate_authorities: [%s]
        client_auth: %s
      handshake_timeout: 2s`, p.serverCert, p.serverKey, p.caFile, clientAuth))
}

func (p *testPKI) clientTLS(cert *tls.Certificate) *tls.Config {
	cfg := &tls.Config{RootCAs: p.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if cert != nil {
		// Present the certificate whatever CAs the server asks for: Go's
		// client would otherwise silently withhold a rogue one.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return cfg
}

func TestTLSAndMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	cases := []struct {
		clientAuth string
		cert       *tls.Certificate
		accepted   bool
	}{
		{"none", nil, true},
		{"optional", nil, true},
		{"optional", &pki.clientCert, true},
		{"optional", &pki.rogueCert, false},
		{"required", &pki.clientCert, true},
		{"required", nil, false},
		{"required", &pki.rogueCert, false},
	}
	for _, c := range cases {
		name := c.clientAuth + "/"
		switch c.cert {
		case nil:
			name += "no-cert"
		case &pki.clientCert:
			name += "valid-cert"
		default:
			name += "rogue-cert"
		}
		t.Run(name, func(t *testing.T) {
			n := startNode(t, pki.config(c.clientAuth), nil)
			cl, err := dial(t, n.addr, pki.clientTLS(c.cert), clientTimeout(5*time.Second))
			if err == nil {
				err = sendAll(t, cl, 0, 3, 100)
				cl.Close()
			}
			if c.accepted {
				if err != nil {
					t.Fatalf("refused: %v\n%s", err, n.logs)
				}
				checkExactlyOnce(t, n.streamLines("logs-django-pt"), 1, 3, 100)
				return
			}
			if err == nil {
				t.Fatal("a client without a valid certificate was accepted")
			}
			if lines := n.streamLines("logs-django-pt"); len(lines) != 0 {
				t.Fatalf("%d events from a refused client were written", len(lines))
			}
			waitFor(t, 5*time.Second, "a TLS handshake failure log line", func() bool {
				return strings.Contains(n.logs.String(), "TLS handshake failed")
			})
		})
	}

	t.Run("plaintext client on TLS port", func(t *testing.T) {
		n := startNode(t, pki.config("none"), nil)
		cl, err := dial(t, n.addr, nil, clientTimeout(3*time.Second))
		if err == nil {
			_, err = cl.Send(makeBatch(0, 0, 10))
			cl.Close()
		}
		if err == nil {
			t.Fatal("plaintext batch was ACKed by a TLS listener")
		}
		waitFor(t, 5*time.Second, "handshake failure naming the peer", func() bool {
			return strings.Contains(n.logs.String(), "TLS handshake failed") && strings.Contains(n.logs.String(), `"peer":"127.0.0.1:`)
		})
	})
}
