package sync

import "strings"

// Tab is one tab of the spreadsheet: its sheetId (stable for the tab's
// life, whatever people rename it to) and its current title.
type Tab struct {
	ID    int64
	Title string
}

// TabMatch says how FindTab found a tab.
type TabMatch uint8

const (
	TabMissing TabMatch = iota // no tab has the id or the title
	TabByID                    // the tab with the stored sheetId (its title may differ)
	TabByTitle                 // no stored id, or no tab has it any more: the tab with the title
)

// FindTab finds the tab a table goes to: the tab whose sheetId is id when
// byID is set (a person may have renamed it: it is still the tab the sync
// built, with everyone's notes), else the tab titled title (exactly, else
// ignoring case, as Sheets does when it refuses a second "leads" beside
// "Leads").
//
// A sheetId of 0 is a real id (the first tab of a new spreadsheet), so
// whether id holds one is said by byID, never by id's value.
func FindTab(tabs []Tab, title string, id int64, byID bool) (Tab, TabMatch) {
	if byID {
		for _, t := range tabs {
			if t.ID == id {
				return t, TabByID
			}
		}
	}
	for _, t := range tabs {
		if t.Title == title {
			return t, TabByTitle
		}
	}
	for _, t := range tabs {
		if strings.EqualFold(t.Title, title) {
			return t, TabByTitle
		}
	}
	return Tab{}, TabMissing
}
