package sync

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rs/zerolog"
)

// MarkText is what on_delete: mark writes into the mark column.
const MarkText = "deleted in Zoho"

// placement is a tab entry's state and where its tab is, as found at the
// start of a run.
type placement struct {
	state ModuleState
	tab   Tab
	match TabMatch
	// replaced: the state knew the tab's sheetId, no tab has it any more,
	// and a tab with the configured title is there (a person deleted the
	// tab and made or restored another): its rows are not what the state
	// says.
	replaced bool
	notes    []note
	// err, when set, fails the entry before it reads.
	err error
}

// TabTakenError fails an entry whose tab, found by title, is the tab
// another entry follows by sheetId: writing it would put one module's
// records over another's rows.
type TabTakenError struct {
	Title string // the tab's title, the entry's configured title
	Owner string // the configured title of the entry that follows it
}

func (e *TabTakenError) Error() string {
	return fmt.Sprintf("the tab titled %q is the tab the sync writes for %q (a person renamed it): not writing into it", e.Title, e.Owner)
}

// Hint implements HintError.
func (e *TabTakenError) Hint() string {
	return fmt.Sprintf("in Google Sheets, rename that tab back to %q, or give it another title and the next run creates %q", e.Owner, e.Title)
}

// note is one line for the log and the run summary.
type note struct {
	warn bool
	msg  string
}

// place gives every tab entry of the mapping its state and finds its tab:
// by the sheetId the state remembers first, so that a renamed tab is
// followed, then by title.
//
// A state stored per module by an older version goes to the module's first
// tab entry (the only one such a version knew); saving that tab's state
// removes it. A tab found by title that another entry follows by sheetId
// is never written: that entry fails with TabTakenError, which says how to
// untangle the titles, rather than write its records over the other tab's
// rows and the notes people keep on them.
func (j *Job) place(states map[string]ModuleState, tabs []Tab) map[string]placement {
	claimed := map[string]bool{}
	for _, m := range j.Modules {
		claimed[strings.ToLower(m.Sheet)] = true
	}
	byID := j.followed(states, tabs)
	out := map[string]placement{}
	legacyTaken := map[string]bool{}
	for _, m := range j.Modules {
		var pl placement
		st, ok := states[m.Sheet]
		if !ok || st.Sheet == "" {
			st = ModuleState{}
			if old, ok := states[LegacyStateKey(m.Module)]; ok && !legacyTaken[m.Module] {
				legacyTaken[m.Module] = true
				st = old
				pl.notes = append(pl.notes, note{msg: fmt.Sprintf("sync state of module %s migrated to the per-tab format", m.Module)})
			}
		}
		st.Module, st.Sheet = m.Module, m.Sheet
		pl.state = st
		pl.tab, pl.match = FindTab(tabs, m.Sheet, st.SheetID, st.HasSheetID())
		if other := byID[pl.tab.ID]; pl.match == TabByID && other != m.Sheet {
			pl.notes = append(pl.notes, note{warn: true, msg: fmt.Sprintf("the tab this entry wrote (now titled %q) is the tab the entry for %q writes; using the tab titled %q", pl.tab.Title, other, m.Sheet)})
			pl.tab, pl.match = FindTab(tabs, m.Sheet, 0, false)
		}
		if other, ok := byID[pl.tab.ID]; ok && pl.match == TabByTitle && other != m.Sheet {
			pl.err = &TabTakenError{Title: pl.tab.Title, Owner: other}
			out[m.Sheet] = pl
			continue
		}
		switch {
		case pl.match == TabByID && pl.tab.Title != st.SheetTitle:
			pl.notes = append(pl.notes, note{warn: true, msg: fmt.Sprintf("tab renamed to %q: following it", pl.tab.Title)})
		case pl.match == TabByTitle && st.HasSheetID() && !st.Cursor.IsZero():
			pl.replaced = true
			pl.notes = append(pl.notes, note{warn: true, msg: fmt.Sprintf("the tab the sync built (sheetId %d) was deleted; writing to the tab now titled %q (sheetId %d)", st.SheetID, pl.tab.Title, pl.tab.ID)})
		case pl.match == TabMissing && !st.Cursor.IsZero():
			pl.notes = append(pl.notes, note{warn: true, msg: fmt.Sprintf("tab %q was deleted: recreating it", m.Sheet)})
		case pl.match == TabMissing:
			if old := orphanTab(states, tabs, claimed, m.Module); old != "" {
				pl.notes = append(pl.notes, note{warn: true, msg: fmt.Sprintf(
					"creating tab %q; the tab %q of module %s was written by an entry the mapping no longer has: if you renamed sheet: in mapping.yaml, delete the new tab and rename %q to %q in Google Sheets, and the next run follows it",
					m.Sheet, old, m.Module, old, m.Sheet)})
			}
		}
		out[m.Sheet] = pl
	}
	return out
}

// followed maps each tab that an entry's state finds by sheetId to that
// entry's configured title: the entry follows it whatever a person renamed
// it to, even to another entry's title (two tabs whose titles were swapped
// are each still followed by their own entry). Should two states name one
// tab, the first entry of the mapping has it.
func (j *Job) followed(states map[string]ModuleState, tabs []Tab) map[int64]string {
	byID := map[int64]string{}
	for _, m := range j.Modules {
		if st, ok := states[m.Sheet]; ok && st.Sheet != "" && st.HasSheetID() {
			if t, how := FindTab(tabs, "", st.SheetID, true); how == TabByID {
				if _, dup := byID[t.ID]; !dup {
					byID[t.ID] = m.Sheet
				}
			}
		}
	}
	return byID
}

// orphanTab returns the current title of a tab of module that a state no
// longer named by the mapping wrote, "" when there is none.
func orphanTab(states map[string]ModuleState, tabs []Tab, claimed map[string]bool, module string) string {
	keys := make([]string, 0, len(states))
	for k := range states {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		st := states[k]
		if st.Sheet == "" || st.Module != module || claimed[strings.ToLower(st.Sheet)] || !st.HasSheetID() {
			continue
		}
		if t, how := FindTab(tabs, "", st.SheetID, true); how == TabByID && !claimed[strings.ToLower(t.Title)] {
			return t.Title
		}
	}
	return ""
}

// note logs n and adds it to the module's summary.
func (j *Job) note(ms *ModuleSummary, log zerolog.Logger, n note) {
	ev := log.Info()
	if n.warn {
		ev = log.Warn()
	}
	ev.Msg(n.msg)
	ms.Notes = append(ms.Notes, n.msg)
}
