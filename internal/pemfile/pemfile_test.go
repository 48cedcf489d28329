package pemfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCertPoolNamesTheFileItCannotUse(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CertPool(junk); err == nil || !strings.Contains(err.Error(), junk+" holds no PEM certificate") {
		t.Fatalf("junk file: %v", err)
	}
	missing := filepath.Join(dir, "missing.pem")
	if _, err := CertPool(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing file: %v", err)
	}
	if pool, err := CertPool(); err != nil || pool == nil {
		t.Fatalf("no files: %v, %v", pool, err)
	}
}
