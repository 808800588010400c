package config

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/zoho2sheets/zoho2sheets/filter"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// FilterPlace is where a filter's text is in the file, so that a mistake at
// a line and column of the filter can be reported at the file's line.
type FilterPlace struct {
	Line int // line of the filter's value
	// Block is true for a literal block (filter: |): its lines are the
	// file's lines after Line. Other styles fold lines into one.
	Block bool
	// Multiline is true when the filter text has more than one line.
	Multiline bool
	// Folded places a folded block (filter: >), whose lines YAML joined
	// with spaces: where each file line starts in the filter's one line.
	Folded []FoldedLine
}

// FoldedLine is a file line of a folded filter: Line of the file starts
// at column Col of the filter.
type FoldedLine struct{ Col, Line int }

// fileLine is the file line of a position in the filter.
func (p FilterPlace) fileLine(at filter.Pos) int {
	switch {
	case p.Block:
		return p.Line + at.Line
	case len(p.Folded) > 0 && at.Line == 1:
		line := p.Folded[0].Line
		for _, f := range p.Folded {
			if f.Col <= at.Col {
				line = f.Line
			}
		}
		return line
	}
	return p.Line
}

// foldedLines maps a folded block's text back to the file lines after
// line: only for the plain case (lines joined by single spaces), checked
// against value; nil otherwise.
func foldedLines(src []byte, line int, value string) []FoldedLine {
	lines := strings.Split(string(src), "\n")
	var out []FoldedLine
	var texts []string
	indent, col := -1, 1
	for i := line; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r")
		text := strings.TrimLeft(l, " ")
		if text == "" {
			break
		}
		n := len(l) - len(text)
		if indent < 0 {
			indent = n
		}
		if n < indent {
			break
		}
		out = append(out, FoldedLine{Col: col, Line: i + 1})
		texts = append(texts, l[indent:])
		col += utf8.RuneCountInString(l[indent:]) + 1
	}
	if strings.Join(texts, " ") != strings.TrimRight(value, "\n") {
		return nil
	}
	return out
}

// where describes a position within the filter, for messages.
func (p FilterPlace) where(at filter.Pos) string {
	if p.Multiline {
		return fmt.Sprintf("filter line %d, column %d", at.Line, at.Col)
	}
	return fmt.Sprintf("filter column %d", at.Col)
}

// filter parses a module entry's filter: syntax and COQL's limits are
// checked now; field names and types when the module's metadata is read
// (Config.LocateFilter places those errors).
func (d *decoder) filter(e entry, key string, m *Module) {
	v := resolve(e.val)
	s, ok := d.str(e, key)
	if !ok {
		return
	}
	if strings.TrimSpace(s) == "" {
		d.add(v, key, "empty filter", "write a condition such as Stage = 'Closed Won', or remove filter: to sync every record")
		return
	}
	m.FilterAt = FilterPlace{Line: v.Line, Block: v.Style&yaml.LiteralStyle != 0,
		Multiline: strings.Contains(strings.TrimRight(s, "\n"), "\n")}
	if v.Style&yaml.FoldedStyle != 0 {
		m.FilterAt.Folded = foldedLines(d.src, v.Line, s)
	}
	f, err := filter.New(s)
	if err != nil {
		n := len(d.errs)
		d.addFilterErr(err, key, m.FilterAt)
		if v.Style == 0 && strings.HasPrefix(v.LineComment, "#") {
			// A plain scalar ends at " #": the rest of the filter was
			// taken for a YAML comment.
			for _, le := range d.errs[n:] {
				le.err.Hint += "; note that # starts a YAML comment, so the filter ended before " + v.LineComment +
					": write filter: | and the condition on the next line, indented"
			}
		}
		return
	}
	m.Filter = f
}

func (d *decoder) addFilterErr(err error, key string, at FilterPlace) {
	for _, ce := range filterErrors(err, d.file, key, at) {
		line, _ := lineOf(ce.Where)
		d.errs = append(d.errs, lineErr{line, ce})
	}
}

// filterErrors turns the *filter.SyntaxError values in err into config
// errors at the file's line.
func filterErrors(err error, file, key string, at FilterPlace) []*zsync.ConfigError {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*zsync.ConfigError
	for _, e := range errs {
		var se *filter.SyntaxError
		if !errors.As(e, &se) {
			out = append(out, &zsync.ConfigError{Where: fmt.Sprintf("%s:%d", file, at.Line), Key: key, Msg: e.Error()})
			continue
		}
		out = append(out, &zsync.ConfigError{Where: fmt.Sprintf("%s:%d", file, at.fileLine(se.At)), Key: key,
			Msg: fmt.Sprintf("%s: %s", at.where(se.At), se.Msg), Hint: se.Hint})
	}
	return out
}

func lineOf(where string) (int, bool) {
	i := strings.LastIndexByte(where, ':')
	if i < 0 {
		return 0, false
	}
	var n int
	_, err := fmt.Sscanf(where[i+1:], "%d", &n)
	return n, err == nil
}

// LocateFilter places the errors of binding entry i's filter to the
// module's metadata (unknown fields, wrong value types) at the file's line
// of the mistake, as *zsync.ConfigError values. Other errors are returned
// unchanged.
func (c *Config) LocateFilter(i int, err error) error {
	if err == nil || i < 0 || i >= len(c.Modules) {
		return err
	}
	m := c.Modules[i]
	ces := filterErrors(err, c.File, fmt.Sprintf("modules[%d].filter", i), m.FilterAt)
	out := make([]error, len(ces))
	for k, ce := range ces {
		ce.Msg += fmt.Sprintf(" (module %s)", m.Module)
		out[k] = ce
	}
	return errors.Join(out...)
}
