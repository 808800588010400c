package sheetstest

import (
	"reflect"
	"slices"
	"strings"

	"google.golang.org/api/sheets/v4"
)

// cellExt is what few cells carry beyond a value and a number format: a
// note, the text format's bold and link, and rich-text runs. Cells point to
// one only when they have any of it, so a plain grid costs one nil pointer
// per cell. A cellExt is never changed once a cell points to it.
type cellExt struct {
	note string
	bold bool
	link string    // userEnteredFormat.textFormat.link.uri
	runs []textRun // textFormatRuns (string values only)
}

// textRun is one textFormatRuns entry: the format from start (UTF-16
// offset) up to the next run.
type textRun struct {
	start int
	bold  bool
	link  string
}

func (x *cellExt) zero() bool {
	return x == nil || x.note == "" && !x.bold && x.link == "" && len(x.runs) == 0
}

// withExt returns c with its extension changed by f on a copy.
func (c cell) withExt(f func(x *cellExt)) cell {
	var x cellExt
	if c.x != nil {
		x = *c.x
		x.runs = slices.Clone(c.x.runs)
	}
	f(&x)
	if x.zero() {
		c.x = nil
	} else {
		c.x = &x
	}
	return c
}

// formatOnly is what a cell keeps when its value is replaced or cleared by
// a values write: formats and note stay, rich-text runs go with the text
// they described (Google: a new userEnteredValue erases the runs).
func (c cell) formatOnly() cell {
	out := cell{f: c.f, x: c.x}
	if c.x != nil && len(c.x.runs) > 0 {
		out = out.withExt(func(x *cellExt) { x.runs = nil })
	}
	return out
}

// hyperlink is CellData.hyperlink (read-only): the cell link, a run link
// covering the whole text, or the URL of a =HYPERLINK formula; "" when the
// cell holds more than one link.
func (c cell) hyperlink() string {
	if c.k == kFormula {
		f := strings.TrimSpace(c.s)
		if len(f) > 11 && strings.EqualFold(f[:11], "=HYPERLINK(") {
			args := splitArgs(strings.TrimSuffix(f[11:], ")"))
			if len(args) > 0 {
				if s, ok := stringLiteral(strings.TrimSpace(args[0])); ok {
					return s
				}
			}
		}
	}
	if c.x == nil {
		return ""
	}
	runs := c.x.runs
	if len(runs) == 1 && runs[0].start == 0 && runs[0].link != "" {
		return runs[0].link // a run over the whole text beats the cell link
	}
	if slices.ContainsFunc(runs, func(r textRun) bool { return r.link != "" }) {
		return "" // several links, or one over part of the text
	}
	return c.x.link
}

// jsonFields lists the JSON names of a generated API type's fields, so a
// mask naming a field the type lacks gets Google's error.
func jsonFields(v any) map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}

var (
	cellDataFields   = jsonFields(sheets.CellData{})
	cellFormatFields = jsonFields(sheets.CellFormat{})
	textFormatFields = jsonFields(sheets.TextFormat{})
)

// readOnlyCellFields are CellData fields Google computes; a write mask may
// not name them.
var readOnlyCellFields = map[string]bool{"effectiveValue": true, "formattedValue": true,
	"effectiveFormat": true, "hyperlink": true}

// cellMask says which CellData parts an updateCells/repeatCell sets. Parts
// the emulator does not store (colours, borders, validation…) are accepted
// and dropped.
type cellMask struct{ value, format, bold, link, note, runs bool }

func (cm cellMask) ext() bool { return cm.bold || cm.link || cm.note || cm.runs }

// requiredMask parses the mandatory fields mask of a request; empty is
// Google's error text for a missing one.
func requiredMask(c reqCtx, fields, empty string) (mask, *apiError) {
	if strings.TrimSpace(fields) == "" {
		return nil, c.err("%s", empty)
	}
	m, err := parseMask(fields)
	if err != nil {
		return nil, c.err("Invalid field mask %q: %v", fields, err)
	}
	return m, nil
}

func parseCellMask(c reqCtx, fields string) (cellMask, *apiError) {
	m, aerr := requiredMask(c, fields, "At least one field must be specified.")
	if aerr != nil {
		return cellMask{}, aerr
	}
	var cm cellMask
	bad := func(path string) *apiError {
		return c.err("Invalid field mask: %s is not a writable field of CellData.", path)
	}
	for k, sub := range m {
		switch {
		case k == "*":
			cm = cellMask{true, true, true, true, true, true}
		case k == "userEnteredValue":
			cm.value = true
		case k == "note":
			cm.note = true
		case k == "textFormatRuns":
			cm.runs = true
		case k == "userEnteredFormat":
			if sub == nil {
				cm.format, cm.bold, cm.link = true, true, true
				continue
			}
			for fk, fsub := range sub {
				switch {
				case fk == "*":
					cm.format, cm.bold, cm.link = true, true, true
				case fk == "numberFormat":
					cm.format = true
				case fk == "textFormat":
					if fsub == nil {
						cm.bold, cm.link = true, true
						continue
					}
					for tk := range fsub {
						switch {
						case tk == "*":
							cm.bold, cm.link = true, true
						case tk == "bold":
							cm.bold = true
						case tk == "link":
							cm.link = true
						case !textFormatFields[tk]:
							return cm, bad("userEnteredFormat.textFormat." + tk)
						}
					}
				case !cellFormatFields[fk]:
					return cm, bad("userEnteredFormat." + fk)
				}
			}
		case readOnlyCellFields[k] || !cellDataFields[k]:
			return cm, bad(k)
		}
	}
	return cm, nil
}

// extFrom applies the note, bold, link and runs of d (under cm) to out.
func extFrom(c reqCtx, d *sheets.CellData, cm cellMask, out cell) (cell, *apiError) {
	if !cm.ext() {
		return out, nil
	}
	var tf *sheets.TextFormat
	if d != nil && d.UserEnteredFormat != nil {
		tf = d.UserEnteredFormat.TextFormat
	}
	var runs []textRun
	if cm.runs && d != nil && len(d.TextFormatRuns) > 0 {
		if out.k != kString {
			return out, c.err("textFormatRuns can only be set on cells holding a string value.")
		}
		n := utf16Len(out.s)
		for i, r := range d.TextFormatRuns {
			if r == nil {
				continue
			}
			s := int(r.StartIndex)
			if s < 0 || s >= max(n, 1) || i > 0 && len(runs) > 0 && s <= runs[len(runs)-1].start {
				return out, c.err("textFormatRuns[%d].startIndex %d is out of order or beyond the text (length %d).", i, s, n)
			}
			tr := textRun{start: s}
			if r.Format != nil {
				tr.bold = r.Format.Bold
				if r.Format.Link != nil {
					tr.link = r.Format.Link.Uri
				}
			}
			runs = append(runs, tr)
		}
	}
	out = out.withExt(func(x *cellExt) {
		if cm.note {
			x.note = ""
			if d != nil {
				x.note = d.Note
			}
		}
		if cm.bold {
			x.bold = tf != nil && tf.Bold
		}
		if cm.link {
			x.link = ""
			if tf != nil && tf.Link != nil {
				x.link = tf.Link.Uri
			}
			if x.link != "" {
				// Setting the cell link replaces every other link in the cell.
				for i := range x.runs {
					x.runs[i].link = ""
				}
			}
		}
		if cm.runs {
			x.runs = runs
		}
		if len(x.runs) > 0 && !slices.ContainsFunc(x.runs, func(r textRun) bool { return r.bold || r.link != "" }) {
			x.runs = nil
		}
	})
	return out, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// extJSON adds the extension's parts to a rendered CellData.
func extJSON(c cell, out map[string]any) {
	if h := c.hyperlink(); h != "" {
		out["hyperlink"] = h
	}
	x := c.x
	if x == nil {
		return
	}
	if x.note != "" {
		out["note"] = x.note
	}
	if x.bold || x.link != "" {
		tf := map[string]any{}
		if x.bold {
			tf["bold"] = true
		}
		for _, k := range []string{"userEnteredFormat", "effectiveFormat"} {
			f, _ := out[k].(map[string]any)
			if f == nil {
				f = map[string]any{}
				out[k] = f
			}
			t := map[string]any{}
			for kk, v := range tf {
				t[kk] = v
			}
			if x.link != "" {
				t["link"] = map[string]any{"uri": x.link}
				f["hyperlinkDisplayType"] = "LINKED"
			}
			f["textFormat"] = t
		}
	}
	if len(x.runs) > 0 {
		var rs []any
		for _, r := range x.runs {
			e := map[string]any{}
			if r.start > 0 {
				e["startIndex"] = r.start
			}
			f := map[string]any{}
			if r.bold {
				f["bold"] = true
			}
			if r.link != "" {
				f["link"] = map[string]any{"uri": r.link}
			}
			e["format"] = f
			rs = append(rs, e)
		}
		out["textFormatRuns"] = rs
	}
}

// wantsGridData reports whether a spreadsheets.get field mask asks for
// cell data (sheets.data…): Google then returns it whether or not
// includeGridData is set.
func wantsGridData(fields string) bool {
	m, err := parseMask(fields)
	if err != nil {
		return false
	}
	if _, all := m["*"]; all {
		return true
	}
	sh, ok := m["sheets"]
	if !ok {
		return false
	}
	if sh == nil {
		return true
	}
	_, data := sh["data"]
	_, all := sh["*"]
	return data || all
}
