package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// DefaultDryRunLimit is how many changed cells (and added and removed rows)
// a dry run shows per tab unless --dry-run-limit says otherwise.
const DefaultDryRunLimit = 20

// checkDryRunLimit rejects a negative --dry-run-limit, and one given
// without --dry-run (it would do nothing).
func checkDryRunLimit(fs *flag.FlagSet, f *syncFlags) error {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "dry-run-limit" })
	switch {
	case f.dryRunLimit < 0:
		return usageErr("--dry-run-limit %d: use 0 (counts only) or a positive number of changes to show per tab", f.dryRunLimit)
	case set && !f.dryRun:
		return usageErr("--dry-run-limit only applies to --dry-run; add --dry-run or drop it")
	}
	return nil
}

// printDiff writes, per tab, the rows a dry run would add and remove and
// the first changed cells as "record id · column: old → new".
func printDiff(w io.Writer, s *zsync.Summary) {
	for _, m := range s.Modules {
		d := m.Result.Diff
		if d == nil || m.Err != nil {
			continue
		}
		fmt.Fprintf(w, "%s (%s): would add %d, update %d, remove %d, mark %d\n",
			m.Sheet, m.Module, m.Result.Added, m.Result.Updated, m.Result.Removed, m.Result.Marked)
		if len(d.Added)+len(d.Removed)+len(d.Changes) == 0 {
			fmt.Fprintln(w, "  no change")
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  \tRECORD ID\tCOLUMN\tOLD\t\tNEW")
		for _, k := range d.Added {
			fmt.Fprintf(tw, "  +\t%s\t(new row)\t\t\t\n", escapeControls(k))
		}
		for _, k := range d.Removed {
			fmt.Fprintf(tw, "  -\t%s\t(row removed)\t\t\t\n", escapeControls(k))
		}
		for _, c := range d.Changes {
			fmt.Fprintf(tw, "  ~\t%s · \t%s:\t%s\t→\t%s\n", escapeControls(c.Key), c.Column, shown(c.Old), shown(c.New))
		}
		tw.Flush()
		more := func(shown, total int, what string) {
			if total > shown {
				fmt.Fprintf(w, "  … and %d more %s\n", total-shown, what)
			}
		}
		more(len(d.Added), m.Result.Added, "new rows")
		more(len(d.Removed), m.Result.Removed, "removed rows")
		more(len(d.Changes), len(d.Changes)+d.MoreChanges, "changed cells (--dry-run-limit N shows more)")
	}
	fmt.Fprintln(w)
}

// shown makes a cell value printable on one line: empty as ∅, newlines
// and tabs as visible marks, long text cut.
func shown(s string) string {
	if s == "" {
		return "∅"
	}
	s = escapeControls(s)
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}

// escapeControls keeps CRM text from driving the terminal the table is
// printed on: a newline shows as ⏎, a tab as a space, and any other
// control character (ESC of a colour or cursor sequence, CR, C1 CSI) or
// bidirectional override as its Go escape (\x1b, \r, \u202e).
func escapeControls(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("⏎")
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == 0x200e || r == 0x200f ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// logDiff adds a dry run's preview to the module's JSON log as fields.
func logDiff(ev *zerolog.Event, d *zsync.Diff) *zerolog.Event {
	if d == nil {
		return ev
	}
	changes := zerolog.Arr()
	for _, c := range d.Changes {
		changes.Dict(zerolog.Dict().Str("id", c.Key).Str("column", c.Column).Str("old", c.Old).Str("new", c.New))
	}
	return ev.Strs("would_add_ids", nonNil(d.Added)).Strs("would_remove_ids", nonNil(d.Removed)).
		Array("would_change", changes).Int("would_change_more", d.MoreChanges)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
