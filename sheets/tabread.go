package sheets

import (
	"context"
	"hash/fnv"
	"math"
	"slices"

	"google.golang.org/api/sheets/v4"
)

// read returns the tab's properties and every value in it. The tab is
// found by sheetId first (see findTab), and followed by it from then on.
func (u *upsert) read(ctx context.Context) (*snapshot, error) {
	ss, err := u.s.get(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{}
	for _, sh := range ss.Sheets {
		if p := sh.Properties; p != nil {
			sn.ids = append(sn.ids, p.SheetId)
			if p.GridProperties != nil {
				sn.total += p.GridProperties.RowCount * p.GridProperties.ColumnCount
			}
		}
	}
	if sn.tab = findTab(ss, u.t.Sheet, u.sheetID, u.byID); sn.tab == nil {
		return sn, nil
	}
	if u.byID && sn.tab.SheetId != u.sheetID {
		// Not the tab the run followed: it was deleted since, and this one
		// (a person's, made in its place) holds none of the rows the
		// cursor vouches for; like a tab the run makes (see created).
		u.created = true
	}
	// A tab titled "leads" serves a mapping saying "Leads", and a renamed
	// tab is written under its new title.
	u.title, u.sheetID, u.byID = sn.tab.Title, sn.tab.SheetId, true
	for _, sh := range ss.Sheets {
		if sh.Properties == sn.tab {
			sn.meta = sh.DeveloperMetadata // what format.go recorded
		}
	}
	var filter rowFilter
	// A snapshot tab is planned from its Snapshot and key columns, which
	// thinning (made for a mirror's owned cells) would not keep.
	if gp := sn.tab.GridProperties; gp != nil && gp.RowCount*gp.ColumnCount > keepAllCells && u.t.Snapshot == nil {
		filter = u.thinFilter()
	}
	vr, err := u.filteredGet(ctx, filter, quoteTitle(u.title))
	if err != nil {
		return nil, err
	}
	sn.g = vr[0]
	return sn, nil
}

// filteredGet reads ranges as unformatted values with date serials, the
// first range thinned by filter (may be nil).
func (u *upsert) filteredGet(ctx context.Context, filter rowFilter, ranges ...string) ([]*grid, error) {
	var out []*grid
	err := u.s.c.call(ctx, "values.batchGet", kindRead, nil, func() (err error) {
		out, err = u.s.getValues(ctx, ranges, filter)
		return err
	})
	if err != nil {
		return nil, u.s.apiErr("read tab "+quoteTitle(u.title), err)
	}
	return out, nil
}

// newTab plans the tab sized for the table, header row frozen, before it
// exists: its sheetId is chosen here (one no tab has), and the AddSheet
// request returned goes first into the plan's structural batch, so making
// the tab costs no request of its own.
func (u *upsert) newTab(sn *snapshot) (*snapshot, *sheets.Request, error) {
	rows := int64(len(u.want) + 1)
	cols := int64(len(u.t.Columns))
	if u.markHdr != "" {
		if _, owned := u.owned[u.markHdr]; !owned {
			cols++
		}
	}
	rows = max(rows, 2)
	if sn.total+rows*cols > MaxCells {
		return nil, nil, u.cellLimitErr(sn.total + rows*cols)
	}
	// The id follows from the title (the same tab gets the same id in every
	// spreadsheet), never a deleted tab's: a new tab is a new tab.
	h := fnv.New32a()
	h.Write([]byte(u.t.Sheet))
	id := int64(h.Sum32()%math.MaxInt32) + 1 // 1…MaxInt32: Google's sheetId is an int32
	for id == u.sheetID || slices.Contains(sn.ids, id) {
		id = id%math.MaxInt32 + 1
	}
	u.title, u.sheetID, u.byID = u.t.Sheet, id, true
	props := func() *sheets.SheetProperties {
		return &sheets.SheetProperties{SheetId: id, Title: u.title, GridProperties: &sheets.GridProperties{
			RowCount: rows, ColumnCount: cols, FrozenRowCount: 1}, ForceSendFields: []string{"SheetId"}}
	}
	return &snapshot{tab: props(), total: sn.total + rows*cols},
		&sheets.Request{AddSheet: &sheets.AddSheetRequest{Properties: props()}}, nil
}

func (u *upsert) cellLimitErr(n int64) error {
	return errorf(u.op, "delete unused tabs, rows or columns, or sync this module into another spreadsheet",
		"writing would grow the spreadsheet to %d cells, above Google's limit of %d", n, MaxCells)
}
