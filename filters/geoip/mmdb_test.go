package geoip

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeDB builds a MaxMind database of type dbType holding records (keyed
// by CIDR) in a temporary directory and returns its path. Tests build their
// databases so that no binary (and no MaxMind data) is committed.
func writeDB(t testing.TB, dbType string, records map[string]mmdbtype.Map) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 24, IPVersion: 6})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range records {
		_, network, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(network, rec); err != nil {
			t.Fatalf("inserting %s: %v", cidr, err)
		}
	}
	path := filepath.Join(t.TempDir(), dbType+".mmdb")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(fh); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func en(s string) mmdbtype.Map { return mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(s)}} }

// cityDB holds a London record for 81.2.69.0/24 (the network MaxMind's own
// test databases use) and a Frankfurt record for 2a02:cf40::/29.
func cityDB(t testing.TB) string {
	london := mmdbtype.Map{
		"city":      en("London"),
		"continent": mmdbtype.Map{"code": mmdbtype.String("EU"), "names": mmdbtype.Map{"en": mmdbtype.String("Europe")}},
		"country":   mmdbtype.Map{"iso_code": mmdbtype.String("GB"), "names": mmdbtype.Map{"en": mmdbtype.String("United Kingdom")}},
		"location": mmdbtype.Map{
			"latitude": mmdbtype.Float64(51.5142), "longitude": mmdbtype.Float64(-0.0931),
			"time_zone": mmdbtype.String("Europe/London"),
		},
		"postal": mmdbtype.Map{"code": mmdbtype.String("EC2V")},
		"subdivisions": mmdbtype.Slice{
			mmdbtype.Map{"iso_code": mmdbtype.String("ENG"), "names": mmdbtype.Map{"en": mmdbtype.String("England")}},
		},
	}
	frankfurt := mmdbtype.Map{
		"city":      en("Frankfurt am Main"),
		"continent": mmdbtype.Map{"code": mmdbtype.String("EU")},
		"country":   mmdbtype.Map{"iso_code": mmdbtype.String("DE"), "names": mmdbtype.Map{"en": mmdbtype.String("Germany")}},
		"location":  mmdbtype.Map{"latitude": mmdbtype.Float64(50.1188), "longitude": mmdbtype.Float64(8.6843), "metro_code": mmdbtype.Uint16(0)},
		"subdivisions": mmdbtype.Slice{
			mmdbtype.Map{"iso_code": mmdbtype.String("HE"), "names": mmdbtype.Map{"en": mmdbtype.String("Hesse")}},
		},
	}
	// A record without a location: Logstash treats it as not found.
	nowhere := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("EU")}}
	return writeDB(t, "GeoLite2-City", map[string]mmdbtype.Map{
		"81.2.69.0/24":   london,
		"2a02:cf40::/29": frankfurt,
		"89.160.20.0/24": nowhere,
	})
}

func asnDB(t testing.TB) string {
	return writeDB(t, "GeoLite2-ASN", map[string]mmdbtype.Map{
		"1.128.0.0/11":   {"autonomous_system_number": mmdbtype.Uint32(1221), "autonomous_system_organization": mmdbtype.String("Telstra Pty Ltd")},
		"2600:6000::/20": {"autonomous_system_number": mmdbtype.Uint32(237), "autonomous_system_organization": mmdbtype.String("Merit Network Inc.")},
	})
}
