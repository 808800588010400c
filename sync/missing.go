package sync

import (
	"fmt"
	"strings"
)

// ColumnsMissingError is what a Sink's Upsert returns, having written
// nothing, when a Table that is not Full meets a tab that holds rows but
// lacks some of the table's columns (a person renamed or deleted them in
// the sheet), or a tab that is empty. Added back from an incremental read, such a column would be
// filled only for the few records that changed, and stay so until a full
// read; the job reads every record instead (see runModule).
type ColumnsMissingError struct {
	Headers []string // the mapping's headers the tab lacks
	// Emptied says the tab holds nothing at all, not even its header row
	// (a person cleared it, or made an empty tab in its place).
	Emptied bool
}

func (e *ColumnsMissingError) Error() string {
	if e.Emptied || len(e.Headers) == 0 {
		return "the tab is empty (cleared in the sheet?)"
	}
	q := make([]string, len(e.Headers))
	for i, h := range e.Headers {
		q[i] = fmt.Sprintf("%q", h)
	}
	what := "column " + q[0]
	if len(q) > 1 {
		what = "columns " + strings.Join(q, ", ")
	}
	return fmt.Sprintf("the tab has no %s (renamed or deleted in the sheet?)", what)
}
