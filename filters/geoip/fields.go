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
	fASN:              "asn",
	fASOrg:            "as_org",
	fCityName:         "city_name",
	fCountryName:      "country_name",
	fContinentCode:    "continent_code",
	fContinentName:    "continent_name",
	fCountryCode2:     "country_code2",
	fCountryCode3:     "country_code3",
	fDomain:           "domain",
	fIP:               "ip",
	fISP:              "isp",
	fPostalCode:       "postal_code",
	fDMACode:          "dma_code",
	fRegionName:       "region_name",
	fRegionCode:       "region_code",
	fRegionISOCode:    "region_iso_code",
	fTimezone:         "timezone",
	fLocation:         "location",
	fLatitude:         "latitude",
	fLongitude:        "longitude",
	fOrganization:     "organization",
	fNetwork:          "network",
	fHostingProvider:  "hosting_provider",
	fTorExitNode:      "tor_exit_node",
	fAnonymousVPN:     "anonymous_vpn",
	fAnonymous:        "anonymous",
	fPublicProxy:      "public_proxy",
	fResidentialProxy: "residential_proxy",
}

func (f field) String() string { return fieldNames[f] }

// ecsNames are the dotted ECS names of the fields under the target (Field.java's
// ECS names); a field without one is skipped in ECS mode (country_code3).
var ecsNames = [numFields]string{
	fASN:              "as.number",
	fASOrg:            "as.organization.name",
	fCityName:         "geo.city_name",
	fCountryName:      "geo.country_name",
	fContinentCode:    "geo.continent_code",
	fContinentName:    "geo.continent_name",
	fCountryCode2:     "geo.country_iso_code",
	fDomain:           "domain",
	fIP:               "ip",
	fISP:              "mmdb.isp",
	fPostalCode:       "geo.postal_code",
	fDMACode:          "mmdb.dma_code",
	fRegionName:       "geo.region_name",
	fRegionCode:       "geo.region_code",
	fRegionISOCode:    "geo.region_iso_code",
	fTimezone:         "geo.timezone",
	fLocation:         "geo.location",
	fLatitude:         "geo.location.lat",
	fLongitude:        "geo.location.lon",
	fOrganization:     "mmdb.organization",
	fNetwork:          "ip_traits.network",
	fHostingProvider:  "ip_traits.hosting_provider",
	fTorExitNode:      "ip_traits.tor_exit_node",
	fAnonymousVPN:     "ip_traits.anonymous_vpn",
	fAnonymous:        "ip_traits.anonymous",
	fPublicProxy:      "ip_traits.public_proxy",
	fResidentialProxy: "ip_traits.residential_proxy",
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
