package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// TabSpec is everything that decides the cells of a tab. Its fingerprint
// is stored next to the tab's cursor; when the mapping changes it, the
// next run knows which cells were built from something else and rewrites
// them (see CompareFingerprint).
//
// To make a new setting count (a filter, a link or format flag), add a
// field here and one entry to settings or to SpecColumn.parts. An entry
// whose value is empty is left out of the fingerprint, so fingerprints
// stored before the field existed stay valid and the upgrade costs no
// full read.
type TabSpec struct {
	Columns []SpecColumn
	// Timezone is the zone datetime cells are rendered in.
	Timezone   string
	OnDelete   OnDelete
	MarkColumn string
	MarkText   string
	// Filter is the view's condition as written ("" for the whole module);
	// Window is the condition as resolved for the run when it uses
	// relative dates ("" otherwise): when today - 90d moves, the rows that
	// aged out or in are found by a full read of the view.
	Filter, Window string
	// Snapshot describes a snapshot tab ("" for a mirror).
	Snapshot string
}

// SpecColumn is one mapped column as far as it decides cells.
type SpecColumn struct {
	Header string
	Field  string
	Kind   Kind // as resolved against the CRM's field metadata
	Join   string
}

// NewTabSpec describes the tab of m: specs are m's columns, cols the
// mapper's resolved columns (same order), tz the zone of datetimes.
func NewTabSpec(m ModuleJob, cols []Column, tz, markText string) TabSpec {
	s := TabSpec{Timezone: tz, OnDelete: m.OnDelete, MarkColumn: m.MarkColumn, MarkText: markText, Snapshot: m.Snapshot.String()}
	for i, c := range cols {
		sc := SpecColumn{Header: c.Header, Kind: c.Kind}
		if i < len(m.Columns) {
			sc.Field, sc.Join = m.Columns[i].Field, m.Columns[i].Join
		}
		s.Columns = append(s.Columns, sc)
	}
	return s
}

// fingerprintVersion starts every fingerprint; a fingerprint of another
// version is unknown (the next run reads in full).
const fingerprintVersion = "v1"

// Setting names, as they appear in SpecChange.Settings.
const (
	SettingTimezone   = "timezone"
	SettingOnDelete   = "on_delete"
	SettingMarkColumn = "mark_column"
	SettingFilter     = "filter"
	SettingWindow     = "window" // the filter's relative dates, resolved
	SettingMode       = "mode"
)

// settings are the tab-wide entries of the fingerprint, by name.
func (s TabSpec) settings() [][2]string {
	tz := ""
	for _, c := range s.Columns {
		if c.Kind == KindDateTime {
			tz = s.Timezone // only datetimes depend on the zone
		}
	}
	od := s.OnDelete
	if od == "" {
		od = OnDeleteRemove
	}
	mark := ""
	if od == OnDeleteMark {
		mark = strings.ToLower(strings.TrimSpace(s.MarkColumn)) + "\x00" + s.MarkText
	}
	return [][2]string{{SettingTimezone, tz}, {SettingOnDelete, string(od)}, {SettingMarkColumn, mark},
		{SettingFilter, s.Filter}, {SettingWindow, s.Window}, {SettingMode, s.Snapshot}}
}

// key identifies the column in the fingerprint: headers are matched
// ignoring case and outer spaces in the tab, so they are here too.
func (c SpecColumn) key() string { return strings.ToLower(strings.TrimSpace(c.Header)) }

// parts are what decides the column's cells, as name and value.
func (c SpecColumn) parts() [][2]string {
	join := c.Join
	if join == "" {
		join = DefaultJoin
	}
	return [][2]string{{"field", c.Field}, {"kind", c.Kind.String()}, {"join", join}}
}

// partsHash hashes named values; an empty value is left out, so adding a
// part keeps every hash made before it existed.
func partsHash(parts [][2]string) string {
	h := sha256.New()
	for _, p := range parts {
		if p[1] != "" {
			fmt.Fprintf(h, "%s=%s\x00", p[0], p[1])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:4])
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// Fingerprint is a compact summary of s, stored in the tab's state:
// a hash per tab-wide setting and per column (keyed by a hash of its
// header, with the column's kind in clear), so that a later run can say
// what changed, not only that something did, in a few hundred characters
// (spreadsheet developer metadata is small).
func (s TabSpec) Fingerprint() string {
	var b strings.Builder
	b.WriteString(fingerprintVersion)
	for _, st := range s.settings() {
		if st[1] != "" {
			fmt.Fprintf(&b, " %s=%s", st[0], shortHash(st[1]))
		}
	}
	cols := make([]string, 0, len(s.Columns))
	for _, c := range s.Columns {
		cols = append(cols, fmt.Sprintf(" c%s=%s:%s", shortHash(c.key()), partsHash(c.parts()), c.Kind))
	}
	slices.Sort(cols) // the order of columns in the mapping decides no cell
	b.WriteString(strings.Join(cols, ""))
	return b.String()
}

// SpecChange is what changed between a stored fingerprint and a spec.
type SpecChange struct {
	// Unknown: no fingerprint was stored (state written by an older
	// version) or one of another version.
	Unknown bool
	// Added and Changed name the columns (headers) that are new or whose
	// field, type or join changed; Removed counts columns no longer mapped.
	Added, Changed []string
	Removed        int
	// Settings names the tab-wide settings that changed (Setting…).
	Settings []string
	// Reformat names the changed columns whose kind went to or from date
	// or datetime: cells that keep their value would keep the old number
	// format (a serial shown as 45306, or an amount shown as a date).
	Reformat []string
}

// CompareFingerprint compares a stored fingerprint with the current spec.
func CompareFingerprint(stored string, s TabSpec) SpecChange {
	old, ok := parseFingerprint(stored)
	if !ok {
		return SpecChange{Unknown: true}
	}
	var ch SpecChange
	seen := map[string]bool{}
	for _, c := range s.Columns {
		k := "c" + shortHash(c.key())
		seen[k] = true
		v, had := old[k]
		h, kind, _ := strings.Cut(v, ":")
		switch {
		case !had:
			ch.Added = append(ch.Added, c.Header)
		case h != partsHash(c.parts()):
			ch.Changed = append(ch.Changed, c.Header)
			if kind != c.Kind.String() && (isDateKind(c.Kind) || kind == KindDate.String() || kind == KindDateTime.String()) {
				ch.Reformat = append(ch.Reformat, c.Header)
			}
		}
	}
	for k := range old {
		if strings.HasPrefix(k, "c") && !seen[k] {
			ch.Removed++
		}
	}
	for _, st := range s.settings() {
		h := ""
		if st[1] != "" {
			h = shortHash(st[1])
		}
		if old[st[0]] == h {
			continue
		}
		if st[0] == SettingTimezone && (h == "" || old[st[0]] == "") {
			// The first or last datetime column came or went: the
			// column change says it, and is what costs the read.
			continue
		}
		if st[0] == SettingWindow && slices.Contains(ch.Settings, SettingFilter) {
			continue // an edited filter says it
		}
		ch.Settings = append(ch.Settings, st[0])
	}
	return ch
}

// WindowOnly reports that the only change is the filter's relative dates
// moving with time: nothing in the mapping changed.
func (c SpecChange) WindowOnly() bool {
	return !c.Unknown && len(c.Added)+len(c.Changed)+c.Removed == 0 && slices.Equal(c.Settings, []string{SettingWindow})
}

func isDateKind(k Kind) bool { return k == KindDate || k == KindDateTime }

func parseFingerprint(s string) (map[string]string, bool) {
	f := strings.Fields(s)
	if len(f) == 0 || f[0] != fingerprintVersion {
		return nil, false
	}
	out := make(map[string]string, len(f)-1)
	for _, e := range f[1:] {
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// None reports that nothing changed.
func (c SpecChange) None() bool {
	return !c.Unknown && len(c.Added)+len(c.Changed)+c.Removed+len(c.Settings) == 0
}

// NeedsFull reports whether cells of existing rows must be rewritten,
// which takes a full read: every column added or changed must be filled
// for every record, and a new zone or on_delete applies to every row.
// A removed column needs nothing: its cells are left to the people who
// use the tab.
func (c SpecChange) NeedsFull() bool {
	return c.Unknown || len(c.Added)+len(c.Changed)+len(c.Settings) > 0
}

// String describes the change for the log and the run summary:
// "2 columns added (Phone, Email), timezone changed".
func (c SpecChange) String() string {
	if c.Unknown {
		return "the sync state does not say which mapping built the tab"
	}
	var parts []string
	cols := func(hs []string, what string) {
		if len(hs) == 0 {
			return
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", plural(len(hs), "column"), what, strings.Join(hs, ", ")))
	}
	cols(c.Added, "added")
	cols(c.Changed, "changed")
	if c.Removed > 0 {
		parts = append(parts, plural(c.Removed, "column")+" removed (left in the tab)")
	}
	for _, s := range c.Settings {
		if s == SettingWindow {
			parts = append(parts, "the filter's relative dates moved")
			continue
		}
		parts = append(parts, s+" changed")
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
