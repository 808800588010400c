package sync

import "time"

// Kind is the type a sheet cell is written as.
type Kind uint8

const (
	KindEmpty    Kind = iota // no value: the cell is cleared
	KindText                 // literal text, never parsed as a formula or number
	KindNumber               // a number
	KindBool                 // TRUE / FALSE
	KindDate                 // a date cell (serial number with a date format)
	KindDateTime             // a date-time cell (serial number with a date-time format)
)

var kindNames = [...]string{"empty", "text", "number", "bool", "date", "datetime"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(?)"
}

// Cell is one typed value to be written to a sheet.
//
// Text cells hold S; number cells F; bool cells B; date cells T at midnight
// UTC of the calendar day; datetime cells T as an instant (the sheets
// package renders it in the configured time zone).
type Cell struct {
	Kind Kind
	B    bool
	F    float64
	S    string
	T    time.Time
	// Link, when set, is the address the cell links to (a record in the
	// CRM's web UI).
	Link string
}

// Text returns a text cell.
func Text(s string) Cell { return Cell{Kind: KindText, S: s} }

// Number returns a number cell.
func Number(f float64) Cell { return Cell{Kind: KindNumber, F: f} }

// Bool returns a boolean cell.
func Bool(b bool) Cell { return Cell{Kind: KindBool, B: b} }

// DateCell returns a date cell for the calendar day d.
func DateCell(d Date) Cell {
	return Cell{Kind: KindDate, T: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)}
}

// DateTime returns a datetime cell for the instant t.
func DateTime(t time.Time) Cell { return Cell{Kind: KindDateTime, T: t} }
