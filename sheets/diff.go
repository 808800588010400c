package sheets

import (
	"math"
	"strconv"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// diff is the bounded preview a dry run shows (UpsertOptions.DiffLimit);
// nil when none was asked for.
func (u *upsert) newDiff() *zsync.Diff {
	if u.opts.DiffLimit <= 0 {
		return nil
	}
	return &zsync.Diff{}
}

// noteChange records one changed cell of an existing row.
func (u *upsert) noteChange(d *zsync.Diff, key, header string, k zsync.Kind, old, new any) {
	if d == nil {
		return
	}
	if len(d.Changes) >= u.opts.DiffLimit {
		d.MoreChanges++
		return
	}
	d.Changes = append(d.Changes, zsync.CellChange{Key: key, Column: header,
		Old: displayValue(old, k), New: displayValue(new, k)})
}

// noteRows records the keys of added and removed rows.
func (u *upsert) noteRows(d *zsync.Diff, added []plannedRow, removed []string) {
	if d == nil {
		return
	}
	for _, a := range added {
		if len(d.Added) < u.opts.DiffLimit && a.key != "" {
			d.Added = append(d.Added, a.key)
		}
	}
	for _, k := range removed {
		if len(d.Removed) < u.opts.DiffLimit {
			d.Removed = append(d.Removed, k)
		}
	}
}

// displayValue shows a cell value (as read, or as about to be written) the
// way a person reads it: date serials of date columns as dates.
func displayValue(v any, k zsync.Kind) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case float64:
		switch k {
		case zsync.KindDate:
			return serialTime(x).Format(time.DateOnly)
		case zsync.KindDateTime:
			return serialTime(x).Format(time.DateTime)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// serialTime is the wall clock of a Sheets serial number (inverse of serial).
func serialTime(n float64) time.Time {
	ms := math.Round(n * 86400 * 1000)
	return serialEpoch.Add(time.Duration(ms) * time.Millisecond)
}
