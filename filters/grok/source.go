package grok

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"regexp/syntax"
)

// The matcher rewrites a pattern's parsed tree (unnamed groups dropped,
// the tail cut off) and compiles it again from its text. syntax.Regexp's
// String works out the fewest flags to print (calcFlags), and for every
// character class of a pattern it walks each rune of the class's ranges
// through unicode.SimpleFold: a negated class such as [^\]] covers all of
// Unicode. That was 65% of building the default config (start-up to
// listening). regexpSource prints the tree with each node's own flags
// instead: a longer text, parsed back into the same tree.

// regexpSource returns the text of re, parsed with syntax.Perl.
func regexpSource(re *syntax.Regexp) string {
	var b strings.Builder
	writeSource(&b, re)
	return b.String()
}

func writeSource(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`[^\x00-\x{10FFFF}]`)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			b.WriteString(`(?i:`)
			defer b.WriteString(`)`)
		}
		for _, r := range re.Rune {
			writeRune(b, r)
		}
	case syntax.OpCharClass:
		b.WriteByte('[')
		if len(re.Rune) == 0 {
			b.WriteString(`^\x00-\x{10FFFF}`)
		}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			writeRune(b, re.Rune[i])
			if re.Rune[i+1] != re.Rune[i] {
				b.WriteByte('-')
				writeRune(b, re.Rune[i+1])
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString(`(?-s:.)`)
	case syntax.OpAnyChar:
		b.WriteString(`(?s:.)`)
	case syntax.OpBeginLine:
		b.WriteString(`(?m:^)`)
	case syntax.OpEndLine:
		b.WriteString(`(?m:$)`)
	case syntax.OpBeginText:
		b.WriteString(`\A`)
	case syntax.OpEndText:
		if re.Flags&syntax.WasDollar != 0 {
			b.WriteString(`(?-m:$)`)
		} else {
			b.WriteString(`\z`)
		}
	case syntax.OpWordBoundary:
		b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		if re.Name != "" {
			b.WriteString(`(?P<`)
			b.WriteString(re.Name)
			b.WriteByte('>')
		} else {
			b.WriteByte('(')
		}
		writeSource(b, re.Sub[0])
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub := re.Sub[0]
		if sub.Op > syntax.OpCapture || sub.Op == syntax.OpLiteral && len(sub.Rune) > 1 {
			b.WriteString(`(?:`)
			writeSource(b, sub)
			b.WriteByte(')')
		} else {
			writeSource(b, sub)
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		case syntax.OpRepeat:
			b.WriteByte('{')
			b.WriteString(strconv.Itoa(re.Min))
			if re.Max != re.Min {
				b.WriteByte(',')
				if re.Max >= 0 {
					b.WriteString(strconv.Itoa(re.Max))
				}
			}
			b.WriteByte('}')
		}
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteByte('?')
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpAlternate {
				b.WriteString(`(?:`)
				writeSource(b, sub)
				b.WriteByte(')')
				continue
			}
			writeSource(b, sub)
		}
	case syntax.OpAlternate:
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			writeSource(b, sub)
		}
	default:
		// Every op syntax.Parse makes is above; the text fails to compile.
		b.WriteString(`(?P<invalid op ` + strconv.Itoa(int(re.Op)) + `>`)
	}
}

// writeRune writes r as itself (a letter, digit, or other printable
// character above ASCII), escaped with a backslash (ASCII punctuation,
// which Go's parser takes literally after one, in and out of classes), or
// as \x{…}.
func writeRune(b *strings.Builder, r rune) {
	switch {
	case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'):
		b.WriteByte(byte(r))
	case r < utf8.RuneSelf && unicode.IsPunct(r) || r < utf8.RuneSelf && unicode.IsSymbol(r):
		b.WriteByte('\\')
		b.WriteByte(byte(r))
	case r >= utf8.RuneSelf && unicode.IsPrint(r):
		b.WriteRune(r)
	default:
		b.WriteString(`\x{`)
		b.WriteString(strconv.FormatInt(int64(r), 16))
		b.WriteByte('}')
	}
}
