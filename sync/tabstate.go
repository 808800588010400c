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
// removes it. A sheetId that now belongs to a tab carrying another entry's
// configured title is not followed: that tab is the other entry's.
func (j *Job) place(states map[string]ModuleState, tabs []Tab) map[string]placement {
	claimed := map[string]bool{}
	for _, m := range j.Modules {
		claimed[strings.ToLower(m.Sheet)] = true
	}
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
		if pl.match == TabByID && !strings.EqualFold(pl.tab.Title, m.Sheet) && claimed[strings.ToLower(pl.tab.Title)] {
			pl.notes = append(pl.notes, note{warn: true, msg: fmt.Sprintf("the tab this entry wrote is now titled %q, which another entry of the mapping writes; using the tab titled %q", pl.tab.Title, m.Sheet)})
			pl.tab, pl.match = FindTab(tabs, m.Sheet, 0, false)
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
