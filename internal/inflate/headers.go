package inflate

import "fmt"

func (r *Reader) header() error {
	if err := r.need(16); err != nil {
		return fmt.Errorf("inflate: zlib header: %w", err)
	}
	cmf, flg := r.take(8), r.take(8)
	switch {
	case cmf&0x0f != 8 || cmf>>4 > 7:
		return fmt.Errorf("%w: not a zlib stream of DEFLATE data (header 0x%02x%02x)", ErrCorrupt, cmf, flg)
	case (cmf<<8|flg)%31 != 0:
		return fmt.Errorf("%w: zlib header check fails", ErrCorrupt)
	case flg&0x20 != 0:
		return fmt.Errorf("%w: zlib preset dictionaries are not supported", ErrCorrupt)
	}
	r.state = stateBlock
	return nil
}

func (r *Reader) blockHeader() error {
	if r.final {
		r.state = stateTrailer
		return nil
	}
	if err := r.need(3); err != nil {
		return fmt.Errorf("inflate: block header: %w", err)
	}
	r.final = r.take(1) == 1
	switch r.take(2) {
	case 0:
		r.take(r.nbits % 8) // stored blocks start at a byte
		if err := r.need(32); err != nil {
			return fmt.Errorf("inflate: stored block header: %w", err)
		}
		n, nn := r.take(16), r.take(16)
		if n != ^nn&0xffff {
			return fmt.Errorf("%w: stored block length check fails", ErrCorrupt)
		}
		r.stored = int(n)
		r.state = stateStored
	case 1:
		r.lit, r.dist = fixedLitLen, fixedDist
		r.state = stateHuffman
	case 2:
		if err := r.dynamicHeader(); err != nil {
			return err
		}
		r.lit, r.dist = &r.dynLit, &r.dynDist
		r.state = stateHuffman
	default:
		return fmt.Errorf("%w: reserved block type", ErrCorrupt)
	}
	return nil
}

// codeLenOrder is the order code length code lengths are sent in.
var codeLenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func (r *Reader) dynamicHeader() error {
	if err := r.need(14); err != nil {
		return fmt.Errorf("inflate: dynamic block header: %w", err)
	}
	nlit, ndist, nclen := int(r.take(5))+257, int(r.take(5))+1, int(r.take(4))+4
	if nlit > 286 || ndist > 30 {
		return fmt.Errorf("%w: too many length or distance codes", ErrCorrupt)
	}
	var clen [19]uint8
	for i := range nclen {
		if err := r.need(3); err != nil {
			return fmt.Errorf("inflate: dynamic block header: %w", err)
		}
		clen[codeLenOrder[i]] = uint8(r.take(3))
	}
	if err := r.codeLen.build(clen[:], 7, alphabetCodeLen); err != nil {
		return fmt.Errorf("%w: code lengths code: %w", ErrCorrupt, err)
	}
	lengths := r.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		e, err := r.decodeSlow(&r.codeLen)
		if err != nil {
			return fmt.Errorf("inflate: dynamic block header: %w", err)
		}
		sym := entryValue(e)
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		var err2 error
		switch sym {
		case 16:
			if i == 0 {
				return fmt.Errorf("%w: repeated code length with no previous one", ErrCorrupt)
			}
			val = lengths[i-1]
			if err2 = r.need(2); err2 == nil {
				rep = 3 + int(r.take(2))
			}
		case 17:
			if err2 = r.need(3); err2 == nil {
				rep = 3 + int(r.take(3))
			}
		default:
			if err2 = r.need(7); err2 == nil {
				rep = 11 + int(r.take(7))
			}
		}
		if err2 != nil {
			return fmt.Errorf("inflate: dynamic block header: %w", err2)
		}
		if i+rep > len(lengths) {
			return fmt.Errorf("%w: code lengths overrun", ErrCorrupt)
		}
		for range rep {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return fmt.Errorf("%w: no end-of-block code", ErrCorrupt)
	}
	if err := r.dynLit.build(lengths[:nlit], litLenPrimary, alphabetLitLen); err != nil {
		return fmt.Errorf("%w: literal/length code: %w", ErrCorrupt, err)
	}
	if err := r.dynDist.build(lengths[nlit:], distPrimary, alphabetDist); err != nil {
		return fmt.Errorf("%w: distance code: %w", ErrCorrupt, err)
	}
	return nil
}

func (r *Reader) storedBytes(out []byte) ([]byte, error) {
	// Whole bytes still in the bit buffer come first.
	for r.stored > 0 && r.nbits >= 8 && len(out) < cap(out) {
		out = append(out, byte(r.take(8)))
		r.stored--
	}
	for r.stored > 0 && len(out) < cap(out) {
		if r.ip == r.iend {
			if err := r.more(); err != nil {
				return out, fmt.Errorf("inflate: stored block: %w", err)
			}
		}
		n := min(r.stored, cap(out)-len(out), r.iend-r.ip)
		out = append(out, r.buf[r.ip:r.ip+n]...)
		r.ip += n
		r.stored -= n
	}
	if r.stored == 0 {
		r.state = stateBlock
	}
	return out, nil
}

func (r *Reader) trailer() error {
	r.take(r.nbits % 8)
	if err := r.need(32); err != nil {
		return fmt.Errorf("inflate: zlib checksum: %w", err)
	}
	want := r.take(8)<<24 | r.take(8)<<16 | r.take(8)<<8 | r.take(8)
	if got := r.adler.sum(); got != want {
		return fmt.Errorf("%w (0x%08x, stream says 0x%08x)", ErrChecksum, got, want)
	}
	r.state = stateDone
	return nil
}
