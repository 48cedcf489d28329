// Package pemfile reads the PEM files TLS options name (certificate
// authorities), for the inputs and outputs that build TLS configs.
package pemfile

import (
	"crypto/x509"
	"fmt"
	"os"
)

// CertPool returns a pool of the certificates in files. A file that
// cannot be read, or holds no PEM certificate, is an error naming it.
func CertPool(files ...string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", f)
		}
	}
	return pool, nil
}
