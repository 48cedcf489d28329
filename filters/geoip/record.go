package geoip

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/event"
	"github.com/oschwald/maxminddb-golang/v2"
)

// names holds a record's localized names; Logstash reads the English one
// (the geoip2 reader's default locale list is ["en"]).
type names struct {
	Names map[string]string `maxminddb:"names"`
}

func (n names) en() string { return n.Names["en"] }

// geoRecord is the part of a City or Country record the filter reads. Only
// these keys are decoded, so a lookup does not build the whole record.
type geoRecord struct {
	City      names `maxminddb:"city"`
	Continent struct {
		Code  string            `maxminddb:"code"`
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"continent"`
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Location struct {
		// Pointers: 0 is a valid coordinate, absence is not.
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
		TimeZone  string   `maxminddb:"time_zone"`
		MetroCode uint     `maxminddb:"metro_code"`
	} `maxminddb:"location"`
	Postal struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"postal"`
	Subdivisions []struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
}

// asnRecord covers GeoLite2-ASN and GeoIP2-ISP records.
type asnRecord struct {
	ASN          *uint64 `maxminddb:"autonomous_system_number"`
	ASOrg        string  `maxminddb:"autonomous_system_organization"`
	ISP          string  `maxminddb:"isp"`
	Organization string  `maxminddb:"organization"`
}

// kv is one looked-up field and its value.
type kv struct {
	f field
	v event.Value
}

// lookup returns the wanted fields for addr, in field order. An empty
// result means not found (or, for City, a record without a location, which
// Logstash also treats as a failed lookup).
func (f *filter) lookup(addr netip.Addr, out []kv) ([]kv, error) {
	res := f.db.Lookup(addr)
	if err := res.Err(); err != nil {
		return out, fmt.Errorf("looking up %s: %w", addr, err)
	}
	if !res.Found() {
		return out, nil
	}
	switch f.kind {
	case kindCity, kindCountry:
		var r geoRecord
		if err := res.Decode(&r); err != nil {
			return out, fmt.Errorf("decoding the record of %s: %w", addr, err)
		}
		return f.geoFields(addr, &r, out), nil
	default:
		var r asnRecord
		if err := res.Decode(&r); err != nil {
			return out, fmt.Errorf("decoding the record of %s: %w", addr, err)
		}
		return f.asnFields(addr, res, &r, out), nil
	}
}

func (f *filter) geoFields(addr netip.Addr, r *geoRecord, out []kv) []kv {
	city := f.kind == kindCity
	lat, lon := r.Location.Latitude, r.Location.Longitude
	if city && lat == nil && lon == nil {
		// GeoIPFilter.retrieveCityGeoData: no location, no point.
		return out
	}
	str := func(fl field, s string) {
		if s != "" {
			out = append(out, kv{fl, event.String(s)})
		}
	}
	var sub struct {
		ISOCode string
		Name    string
	}
	if n := len(r.Subdivisions); n > 0 {
		// The most specific subdivision is the last one.
		sub.ISOCode, sub.Name = r.Subdivisions[n-1].ISOCode, r.Subdivisions[n-1].Names["en"]
	}
	for fl := range numFields {
		if !f.want[fl] {
			continue
		}
		switch fl {
		case fIP:
			str(fl, hostAddress(addr))
		case fCountryCode2:
			str(fl, r.Country.ISOCode)
		case fCountryName:
			str(fl, r.Country.Names["en"])
		case fContinentName:
			str(fl, r.Continent.Names["en"])
		}
		if !city {
			// A Country lookup writes only the four fields above.
			continue
		}
		switch fl {
		case fCityName:
			str(fl, r.City.en())
		case fContinentCode:
			str(fl, r.Continent.Code)
		case fCountryCode3:
			// Logstash writes the two-letter ISO code here too: GeoIP2
			// databases have no three-letter code.
			str(fl, r.Country.ISOCode)
		case fPostalCode:
			str(fl, r.Postal.Code)
		case fDMACode:
			// Logstash before the GeoIP2 5.x reader wrote metro_code here;
			// written when the database still has it.
			if r.Location.MetroCode != 0 {
				out = append(out, kv{fl, event.Int(int64(r.Location.MetroCode))})
			}
		case fRegionName:
			str(fl, sub.Name)
		case fRegionCode:
			str(fl, sub.ISOCode)
		case fRegionISOCode:
			if r.Country.ISOCode != "" && sub.ISOCode != "" {
				str(fl, r.Country.ISOCode+"-"+sub.ISOCode)
			}
		case fTimezone:
			str(fl, r.Location.TimeZone)
		case fLocation:
			if lat != nil && lon != nil {
				out = append(out, kv{fl, event.Object(
					event.Field{Key: "lat", Value: event.Float(*lat)},
					event.Field{Key: "lon", Value: event.Float(*lon)},
				)})
			}
		case fLatitude:
			if lat != nil {
				out = append(out, kv{fl, event.Float(*lat)})
			}
		case fLongitude:
			if lon != nil {
				out = append(out, kv{fl, event.Float(*lon)})
			}
		}
	}
	return out
}

func (f *filter) asnFields(addr netip.Addr, res maxminddb.Result, r *asnRecord, out []kv) []kv {
	isp := f.kind == kindISP
	for fl := range numFields {
		if !f.want[fl] {
			continue
		}
		switch fl {
		case fIP:
			out = append(out, kv{fl, event.String(hostAddress(addr))})
		case fASN:
			if r.ASN != nil {
				out = append(out, kv{fl, event.Int(int64(*r.ASN))})
			}
		case fASOrg:
			if r.ASOrg != "" {
				out = append(out, kv{fl, event.String(r.ASOrg)})
			}
		case fNetwork:
			// GeoLite2-ASN only, as in Logstash (its ISP lookup has no network).
			if !isp {
				out = append(out, kv{fl, event.String(res.Prefix().String())})
			}
		case fISP:
			if isp && r.ISP != "" {
				out = append(out, kv{fl, event.String(r.ISP)})
			}
		case fOrganization:
			if isp && r.Organization != "" {
				out = append(out, kv{fl, event.String(r.Organization)})
			}
		}
	}
	return out
}

// parseAddr parses an IP literal as Java's InetAddress.getByName does for
// literals: IPv6 may be bracketed and carry a zone, and an IPv4-mapped IPv6
// address is the IPv4 address. Host names are not resolved (Logstash would
// resolve them through DNS; a pipeline should not block on DNS), so they
// fail like any invalid address.
func parseAddr(s string) (netip.Addr, bool) {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// hostAddress renders addr as Java's getHostAddress does, which is what
// Logstash writes into [ip]: IPv6 as eight uncompressed hex groups
// (2001:db8:0:0:0:0:0:1), not the RFC 5952 form.
func hostAddress(addr netip.Addr) string {
	if addr.Is4() {
		return addr.String()
	}
	b := addr.As16()
	var sb strings.Builder
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
	}
	return sb.String()
}
