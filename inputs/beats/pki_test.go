package beats

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testPKI is a CA, written to a file as certificate_authorities takes it,
// with a server certificate for 127.0.0.1 (files too) and whatever client
// certificates a test asks it for.
type testPKI struct {
	caFile, certFile, keyFile string
	roots                     *x509.CertPool // the CA, for clients to verify the server
	ca                        *x509.Certificate
	caKey                     *ecdsa.PrivateKey
}

func newTestPKI(tb testing.TB) *testPKI {
	tb.Helper()
	dir := tb.TempDir()
	p := &testPKI{roots: x509.NewCertPool()}
	p.caKey = newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: serial(tb), Subject: pkix.Name{CommonName: "ingestd beats test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		tb.Fatal(err)
	}
	if p.ca, err = x509.ParseCertificate(der); err != nil {
		tb.Fatal(err)
	}
	p.roots.AddCert(p.ca)
	p.caFile = writePEM(tb, dir, "ca.pem", "CERTIFICATE", der)

	srv := p.leaf(tb, pkix.Name{CommonName: "ingestd"}, x509.ExtKeyUsageServerAuth)
	p.certFile = writePEM(tb, dir, "server.pem", "CERTIFICATE", srv.Certificate[0])
	keyDER, err := x509.MarshalECPrivateKey(srv.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		tb.Fatal(err)
	}
	p.keyFile = writePEM(tb, dir, "server.key", "EC PRIVATE KEY", keyDER)
	return p
}

// client returns a client certificate for subject, signed by the CA.
func (p *testPKI) client(tb testing.TB, subject pkix.Name) tls.Certificate {
	tb.Helper()
	return p.leaf(tb, subject, x509.ExtKeyUsageClientAuth)
}

func (p *testPKI) leaf(tb testing.TB, subject pkix.Name, usage x509.ExtKeyUsage) tls.Certificate {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: serial(tb), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsConfig is the input's tls section serving the PKI's server
// certificate and verifying client certificates against its CA.
func (p *testPKI) tlsConfig(clientAuth string) TLSConfig {
	return TLSConfig{
		Enabled: true, Certificate: p.certFile, Key: p.keyFile,
		CertificateAuthorities: []string{p.caFile}, ClientAuth: clientAuth, MinVersion: "1.2",
	}
}

// dial opens a TLS connection to addr that trusts the PKI's CA and
// presents certs (none when empty), its handshake done.
func (p *testPKI) dial(tb testing.TB, addr string, certs ...tls.Certificate) *tls.Conn {
	tb.Helper()
	d := &tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config:    &tls.Config{RootCAs: p.roots, Certificates: certs, ServerName: "127.0.0.1"},
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	return nc.(*tls.Conn)
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

func serial(tb testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func writePEM(tb testing.TB, dir, name, typ string, der []byte) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
