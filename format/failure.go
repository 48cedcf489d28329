package format

import "fmt"

// Failure is where a line leaves its format: the byte offset and what
// was expected there (Expected). It is built without formatting, so a
// line tried against many formats costs no text for the ones it misses.
type Failure struct {
	Pos   int
	what  failWhat
	lit   string
	field *Field
	n     int
}

type failWhat uint8

const (
	wantNothing failWhat = iota
	wantLiteral
	wantField
	wantPadding
	wantPadTo
	wantEnd
	wantTries
	wantAfter
	wantAfterOnLine
)

// Expected says what the format expected at Pos.
func (fl Failure) Expected() string {
	switch fl.what {
	case wantLiteral:
		return fmt.Sprintf("%q", fl.lit)
	case wantField:
		return fl.field.expected()
	case wantPadding:
		return fmt.Sprintf("padding of %s", fl.field.Name)
	case wantPadTo:
		return fmt.Sprintf("padding to %d characters", fl.n)
	case wantEnd:
		return "the end of the line"
	case wantTries:
		return fmt.Sprintf("%s to end before %q within %d tries", fl.field.Name, fl.lit, maxTries)
	case wantAfter:
		return fmt.Sprintf("%s then %q (which the rest of the line lacks)", fl.field.Name, fl.lit)
	case wantAfterOnLine:
		return fmt.Sprintf("%q after %s (before the line ends)", fl.lit, fl.field.Name)
	}
	return "nothing (the line fits)"
}

func (fl Failure) String() string {
	return fmt.Sprintf("at byte %d: expected %s", fl.Pos, fl.Expected())
}

func (m *Match) fail(pos int, fl Failure) {
	// The failure of the first choices explains the line: the ones met
	// while later occurrences of a literal are tried only say that those
	// did not help either.
	if !m.retrying {
		fl.Pos = pos
		m.Fail = fl
		m.retrying = true
	}
}

func mismatchAt(line, lit string, pos int) int {
	for i := 0; i < len(lit); i++ {
		if pos+i >= len(line) || line[pos+i] != lit[i] {
			return pos + i
		}
	}
	return pos
}

func (fd *Field) expected() string {
	if fd.Kind == Time {
		return fmt.Sprintf("%s as %s", fd.Name, fd.Layout.source)
	}
	return fmt.Sprintf("%s (%s)", fd.Name, fd.Kind)
}
