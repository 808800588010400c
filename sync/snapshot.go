package sync

import (
	"fmt"
	"time"
)

// SnapshotColumn is the header of the column that stamps each row of a
// snapshot tab with the first day of its period.
const SnapshotColumn = "Snapshot"

// Period is how often a snapshot tab gets a new snapshot: calendar days or
// ISO weeks (Monday to Sunday) in the mapping's time zone.
type Period string

const (
	PeriodDay  Period = "1d"
	PeriodWeek Period = "1w"
)

// Periods lists the valid Period values.
var Periods = []Period{PeriodDay, PeriodWeek}

// Start returns the first day of the period holding t in loc: the day
// itself, or the Monday of its ISO week.
func (p Period) Start(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if p == PeriodWeek {
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
	}
	return Date{d.Year(), d.Month(), d.Day()}
}

// Length is the period's length in days.
func (p Period) Length() int {
	if p == PeriodWeek {
		return 7
	}
	return 1
}

// SnapshotSpec makes a module entry keep history: every run appends the
// records as they are now, stamped with the period's first day; a rerun in
// the same period replaces that period's rows instead of adding more.
type SnapshotSpec struct {
	Every Period
	// KeepDays, when positive, is how many days of snapshots are kept:
	// rows of snapshots older than that are removed.
	KeepDays int
}

// String describes the spec for the fingerprint and messages.
func (s *SnapshotSpec) String() string {
	if s == nil {
		return ""
	}
	out := "snapshot every " + string(s.Every)
	if s.KeepDays > 0 {
		out += fmt.Sprintf(" keep %dd", s.KeepDays)
	}
	return out
}

// Kept is how many snapshots the tab holds at most (0: no limit).
func (s *SnapshotSpec) Kept() int {
	if s == nil || s.KeepDays <= 0 {
		return 0
	}
	return max(1, s.KeepDays/s.Every.Length())
}

// SnapshotTable is what a snapshot run asks of the sink, beside Rows.
type SnapshotTable struct {
	// Date is the first day of the current period: every row written is
	// stamped with it, and rows already stamped with it (an earlier run in
	// the same period, or one that stopped half-way) are replaced.
	Date Date
	// Cutoff, when set, removes rows stamped before it (keep).
	Cutoff Date
}

// table is the snapshot part of the table of a run at now.
func (s *SnapshotSpec) table(now time.Time, tz string) *SnapshotTable {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	st := &SnapshotTable{Date: s.Every.Start(now, loc)}
	if s.KeepDays > 0 {
		d := time.Date(st.Date.Year, st.Date.Month, st.Date.Day, 0, 0, 0, 0, time.UTC)
		// Keep the snapshots of the last KeepDays days, this one included.
		c := d.AddDate(0, 0, -(s.KeepDays - s.Every.Length()))
		st.Cutoff = Date{c.Year(), c.Month(), c.Day()}
	}
	return st
}

// CellLimit is Google's limit of cells per spreadsheet.
const CellLimit = 10_000_000

// Growth projects a snapshot tab's size against CellLimit: each snapshot
// adds records rows of columns cells (the Snapshot column included) to a
// spreadsheet that already has current cells.
type Growth struct {
	PerSnapshot int64 // cells one snapshot adds
	// Steady is the spreadsheet's size once keep is reached (0 without keep).
	Steady int64
	// Periods is how many more snapshots fit under the limit (-1: all of
	// them, keep stops the growth below it).
	Periods int64
	// Warn says the limit is in sight: reached with keep, or within a year
	// without it.
	Warn bool
}

// Project returns the growth of s's tab.
func (s *SnapshotSpec) Project(records, columns int, current int64) Growth {
	g := Growth{PerSnapshot: int64(records) * int64(columns), Periods: -1}
	room := CellLimit - current
	if g.PerSnapshot > 0 {
		g.Periods = max(room/g.PerSnapshot, 0)
	}
	if k := s.Kept(); k > 0 {
		g.Steady = current + g.PerSnapshot*int64(k)
		g.Warn = g.Steady > CellLimit*9/10
		if !g.Warn {
			g.Periods = -1
		}
		return g
	}
	g.Warn = g.Periods >= 0 && g.Periods*int64(s.Every.Length()) < 365
	return g
}
