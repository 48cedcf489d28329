package geoip

import (
	"fmt"
	"strings"
)

// field is one output field of the filter, in Logstash's legacy
// (ecs_compatibility => disabled) naming. The order of the constants is the
// order of Logstash's Field enum, which is the order fields are written in.
type field int

const (
	fASN field = iota
	fASOrg
	fCityName
	fCountryName
	fContinentCode
	fContinentName
	fCountryCode2
	fCountryCode3
	fDomain
	fIP
	fISP
	fPostalCode
	fDMACode
	fRegionName
	fRegionCode
	fRegionISOCode
	fTimezone
	fLocation
	fLatitude
	fLongitude
	fOrganization
	fNetwork
	fHostingProvider
	fTorExitNode
	fAnonymousVPN
	fAnonymous
	fPublicProxy
	fResidentialProxy
	numFields
)

// fieldNames are the legacy names, which are also the values `fields`
// accepts (case-insensitively, as Logstash's Field.parseField does).
var fieldNames = [numFields]string{
	"asn", "as_org", "city_name", "country_name", "continent_code",
	"continent_name", "country_code2", "country_code3", "domain", "ip", "isp",
	"postal_code", "dma_code", "region_name", "region_code", "region_iso_code",
	"timezone", "location", "latitude", "longitude", "organization", "network",
	"hosting_provider", "tor_exit_node", "anonymous_vpn", "anonymous",
	"public_proxy", "residential_proxy",
}

func (f field) String() string { return fieldNames[f] }

// ecsNames are the dotted ECS names of the fields under the target (Field.java's
// ECS names); "" is a field ECS mode skips (country_code3).
var ecsNames = [numFields]string{
	"as.number", "as.organization.name", "geo.city_name", "geo.country_name", "geo.continent_code",
	"geo.continent_name", "geo.country_iso_code", "", "domain", "ip", "mmdb.isp",
	"geo.postal_code", "mmdb.dma_code", "geo.region_name", "geo.region_code", "geo.region_iso_code",
	"geo.timezone", "geo.location", "geo.location.lat", "geo.location.lon", "mmdb.organization", "ip_traits.network",
	"ip_traits.hosting_provider", "ip_traits.tor_exit_node", "ip_traits.anonymous_vpn", "ip_traits.anonymous",
	"ip_traits.public_proxy", "ip_traits.residential_proxy",
}

// parseFields maps the `fields` option to a set; an unknown name is an
// error, as it is when Logstash registers the filter.
func parseFields(names []string) ([numFields]bool, error) {
	var set [numFields]bool
	for _, n := range names {
		found := false
		for i, known := range fieldNames {
			if strings.EqualFold(n, known) {
				set[i] = true
				found = true
				break
			}
		}
		if !found {
			return set, fmt.Errorf("unknown geoip field %q; valid fields are %s", n, strings.Join(fieldNames[:], ", "))
		}
	}
	return set, nil
}

// dbKind is the kind of database, told by its metadata's database_type as
// Logstash's Database.fromDatabaseType does (by substring, in that order).
type dbKind int

const (
	kindCity dbKind = iota
	kindCountry
	kindASN
	kindISP
)

func kindOf(databaseType string) (dbKind, error) {
	switch {
	case strings.Contains(databaseType, "City"):
		return kindCity, nil
	case strings.Contains(databaseType, "Country"):
		return kindCountry, nil
	case strings.Contains(databaseType, "GeoIP2-Domain"):
	case strings.Contains(databaseType, "GeoLite2-ASN"):
		return kindASN, nil
	case strings.Contains(databaseType, "GeoIP2-ISP"):
		return kindISP, nil
	}
	return 0, fmt.Errorf("database type %q is not supported (City, Country, GeoLite2-ASN and GeoIP2-ISP databases are)", databaseType)
}

// defaultFields are the fields written when `fields` is not set: the
// defaults of Logstash's Database enum, with region_code instead of
// region_iso_code for City as Logstash does in legacy mode (ecs false).
func defaultFields(k dbKind, ecs bool) [numFields]bool {
	var set [numFields]bool
	var list []field
	switch k {
	case kindCity:
		region := fRegionCode
		if ecs {
			region = fRegionISOCode // GeoIPFilter.createCityDefaultFields
		}
		list = []field{fIP, fCityName, fContinentCode, fCountryName, fCountryCode2, fCountryCode3,
			fPostalCode, fDMACode, fRegionName, region, fTimezone, fLocation, fLatitude, fLongitude}
	case kindCountry:
		list = []field{fIP, fCountryCode2, fCountryName, fContinentName}
	case kindASN:
		list = []field{fIP, fASN, fASOrg}
	case kindISP:
		list = []field{fIP, fASN, fASOrg, fISP, fOrganization}
	}
	for _, f := range list {
		set[f] = true
	}
	return set
}
