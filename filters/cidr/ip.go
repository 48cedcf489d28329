package cidr

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// parseIPAddr parses what Ruby's IPAddr.new accepts as the filter uses
// it: an IPv4 or IPv6 address, optionally in brackets or with a zone,
// optionally followed by /prefix-length or /netmask. The result is the
// masked network (a plain address is a /32 or /128).
func parseIPAddr(s string) (netip.Prefix, error) {
	addrText, maskText, hasMask := strings.Cut(s, "/")
	addrText = strings.TrimSuffix(strings.TrimPrefix(addrText, "["), "]")
	addr, err := netip.ParseAddr(addrText)
	if err != nil {
		return netip.Prefix{}, err
	}
	addr = addr.WithZone("")
	bits := addr.BitLen()
	if hasMask {
		if bits, err = maskBits(maskText, addr); err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: %w", s, err)
		}
	}
	return addr.Prefix(bits)
}

// maskBits reads a prefix length or a netmask of addr's family.
func maskBits(s string, addr netip.Addr) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > addr.BitLen() {
			return 0, fmt.Errorf("invalid prefix length %d", n)
		}
		return n, nil
	}
	m, err := netip.ParseAddr(s)
	if err != nil || m.BitLen() != addr.BitLen() {
		return 0, fmt.Errorf("invalid mask %q", s)
	}
	b := m.AsSlice()
	n := 0
	for n < len(b)*8 && b[n/8]&(0x80>>(n%8)) != 0 {
		n++
	}
	for i := n; i < len(b)*8; i++ {
		if b[i/8]&(0x80>>(i%8)) != 0 {
			return 0, fmt.Errorf("invalid (non-contiguous) mask %q", s)
		}
	}
	return n, nil
}

// contains is IPAddr#include? (Ruby 3.1+): the same family, and a's
// range inside n's.
func contains(n, a netip.Prefix) bool {
	return n.Bits() <= a.Bits() && n.Contains(a.Addr())
}
