package csv

import (
	"errors"
	"strings"
)

// cell is one parsed field: Ruby's CSV yields nil for an empty unquoted
// field and "" for an empty quoted one, and Logstash stores that nil.
type cell struct {
	text string
	null bool
}

// Errors of parseLine, worded as Ruby's CSV::MalformedCSVError messages.
var (
	errUnclosed     = errors.New("unclosed quoted field")
	errAfterQuoted  = errors.New("any value after quoted field isn't allowed")
	errIllegalQuote = errors.New("illegal quoting")
	errNewline      = errors.New(`unquoted fields do not allow \r or \n`)
)

// parseLine parses the first row of line as Ruby's CSV.parse_line does
// with col_sep sep and quote_char quote (both strings; quote may be ""
// for none). A nil result with no error is Ruby's nil: the line is empty.
// The row separator is detected as Ruby's auto mode does: the first
// \r\n, \n or \r in the text.
func parseLine(line, sep, quote string, out []cell) ([]cell, error) {
	if line == "" {
		return nil, nil
	}
	rowSep := "\n"
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		rowSep = line[i : i+1]
		if line[i] == '\r' && i+1 < len(line) && line[i+1] == '\n' {
			rowSep = "\r\n"
		}
	}
	out = out[:0]
	if strings.HasPrefix(line, rowSep) {
		return out, nil // a blank row: [] in Ruby, not nil
	}
	i := 0
	for {
		var c cell
		var err error
		if quote != "" && strings.HasPrefix(line[i:], quote) {
			c, i, err = quoted(line, i+len(quote), sep, quote, rowSep)
		} else {
			c, i, err = unquoted(line, i, sep, quote, rowSep)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if strings.HasPrefix(line[i:], sep) {
			i += len(sep)
			continue
		}
		return out, nil // at the row separator or the end: one row only
	}
}

// quoted reads a quoted field whose text starts at i; a doubled quote is
// one quote. After the closing quote only sep, the row separator or the
// end may follow.
func quoted(line string, i int, sep, quote, rowSep string) (cell, int, error) {
	// The field is a slice of line until a doubled quote needs a copy.
	var b strings.Builder
	start, doubled := i, false
	for {
		j := strings.Index(line[i:], quote)
		if j < 0 {
			return cell{}, 0, errUnclosed
		}
		if doubled {
			b.WriteString(line[i : i+j])
		}
		end := i + j
		i = end + len(quote)
		if strings.HasPrefix(line[i:], quote) {
			if !doubled {
				b.WriteString(line[start:end])
				doubled = true
			}
			b.WriteString(quote)
			i += len(quote)
			continue
		}
		rest := line[i:]
		if rest != "" && !strings.HasPrefix(rest, sep) && !strings.HasPrefix(rest, rowSep) {
			return cell{}, 0, errAfterQuoted
		}
		if doubled {
			return cell{text: b.String()}, i, nil
		}
		return cell{text: line[start:end]}, i, nil
	}
}

// unquoted reads up to sep, the row separator or the end. A quote inside
// is an error in Ruby (no liberal_parsing), and so is a line break that is
// not the row separator.
func unquoted(line string, i int, sep, quote, rowSep string) (cell, int, error) {
	rest := line[i:]
	end := len(rest)
	if k := strings.Index(rest, sep); k >= 0 {
		end = k
	}
	if k := strings.Index(rest[:end], rowSep); k >= 0 {
		end = k
	}
	text := rest[:end]
	if quote != "" && strings.Contains(text, quote) {
		return cell{}, 0, errIllegalQuote
	}
	if strings.ContainsAny(text, "\r\n") {
		return cell{}, 0, errNewline
	}
	return cell{text: text, null: text == ""}, i + end, nil
}
