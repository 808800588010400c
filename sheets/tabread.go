package sheets

import (
	"context"

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
		if p := sh.Properties; p != nil && p.GridProperties != nil {
			sn.total += p.GridProperties.RowCount * p.GridProperties.ColumnCount
		}
	}
	if sn.tab = findTab(ss, u.t.Sheet, u.sheetID, u.byID); sn.tab == nil {
		return sn, nil
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

// createTab adds the tab sized for the table, header row frozen.
func (u *upsert) createTab(ctx context.Context, sn *snapshot) (*snapshot, error) {
	rows := int64(len(u.want) + 1)
	cols := int64(len(u.t.Columns))
	if u.markHdr != "" {
		if _, owned := u.owned[u.markHdr]; !owned {
			cols++
		}
	}
	rows = max(rows, 2)
	if sn.total+rows*cols > MaxCells {
		return nil, u.cellLimitErr(sn.total + rows*cols)
	}
	u.title = u.t.Sheet
	props := &sheets.SheetProperties{Title: u.title, GridProperties: &sheets.GridProperties{
		RowCount: rows, ColumnCount: cols, FrozenRowCount: 1}}
	replies, err := u.s.batchUpdateReplies(ctx, "create tab "+quoteTitle(u.title), kindWriteOnce, &u.requests,
		[]*sheets.Request{{AddSheet: &sheets.AddSheetRequest{Properties: props}}})
	if err != nil {
		return nil, err
	}
	if len(replies) == 1 && replies[0].AddSheet != nil && replies[0].AddSheet.Properties != nil {
		props = replies[0].AddSheet.Properties
	}
	if props.GridProperties == nil {
		props.GridProperties = &sheets.GridProperties{RowCount: rows, ColumnCount: cols, FrozenRowCount: 1}
	}
	u.s.c.log.Info().Str("sheet", u.title).Msg("sheets: created tab")
	u.sheetID, u.byID, u.created = props.SheetId, true, true
	return &snapshot{tab: props, total: sn.total + rows*cols}, nil
}

func (u *upsert) cellLimitErr(n int64) error {
	return errorf(u.op, "delete unused tabs, rows or columns, or sync this module into another spreadsheet",
		"writing would grow the spreadsheet to %d cells, above Google's limit of %d", n, MaxCells)
}
