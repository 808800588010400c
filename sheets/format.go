package sheets

import (
	"encoding/json"
	"sort"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// What the sync applied to a tab's columns (number format, links) is
// recorded in sheet-level developer metadata under formatsKey, keyed by
// normalized header. A column's format is applied to all its rows only
// when the column is new or the mapping's format for it changed since the
// record: a format a person set later on that column is never overridden
// (new rows still get the mapping's). A column that existed before any
// record (a tab written by an older version) is adopted: recorded, not
// reformatted.
const formatsKey = "zoho2sheets.formats"

// applied is what the sync last applied to one column.
type applied struct {
	Format string `json:"f,omitempty"` // zsync.NumberFormat.String()
	Link   bool   `json:"l,omitempty"`
}

// Column widths in pixels given to new columns, by kind (Google's default
// is 100, too narrow for names and too wide for flags).
var columnWidths = map[zsync.Kind]int64{
	zsync.KindText: 180, zsync.KindNumber: 120, zsync.KindBool: 70,
	zsync.KindDate: 100, zsync.KindDateTime: 150,
}

const keyColumnWidth = 170 // a 19-digit id

// readApplied parses the tab's formats record (empty when none).
func readApplied(meta []*sheets.DeveloperMetadata) (rec map[string]applied, id int64, extra []int64) {
	rec = map[string]applied{}
	for _, m := range meta {
		if m == nil || m.MetadataKey != formatsKey {
			continue
		}
		if id != 0 {
			extra = append(extra, m.MetadataId) // left by an ambiguous create
			continue
		}
		id = m.MetadataId
		json.Unmarshal([]byte(m.MetadataValue), &rec)
	}
	return rec, id, extra
}

// colFormat is the number format column j's cells get: the mapping's
// (field metadata or format key), else the date format of its kind.
func (u *upsert) colFormat(j int) *sheets.NumberFormat {
	if f := u.t.Columns[j].Format; !f.IsZero() {
		return &sheets.NumberFormat{Type: f.Type, Pattern: f.Pattern}
	}
	return numberFormat(u.t.Columns[j].Kind)
}

// linkOf is the address the cell of column j in the row of key links to.
func (u *upsert) linkOf(key string, j int) string {
	if i, ok := u.want[key]; ok {
		if r := u.tableRow(i); j < len(r.Cells) && r.Cells[j].Link != "" {
			return r.Cells[j].Link
		}
	}
	if u.t.RecordURL != nil && isRecordID(key) {
		return u.t.RecordURL(key)
	}
	return ""
}

// decorate plans what the tab looks like beyond its values: bold headers
// and widths of new columns, number formats of columns that are new or
// whose format changed (p.wholeFmt), cell links (p.links), and the record
// of what was applied. rows is the number of rows after the write.
func (u *upsert) decorate(sn *snapshot, p *plan, colOf []int, appendAt, rows int) {
	id := sn.sheetID()
	rec, metaID, extra := readApplied(sn.meta)
	next := map[string]applied{}
	for h, a := range rec {
		next[h] = a
	}
	gr := func(r0, r1, c int) *sheets.GridRange {
		return &sheets.GridRange{SheetId: id, StartRowIndex: int64(r0), EndRowIndex: int64(r1),
			StartColumnIndex: int64(c), EndColumnIndex: int64(c + 1),
			ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"}}
	}
	p.wholeFmt = map[int]bool{}
	for j, col := range u.t.Columns {
		c, h := colOf[j], u.hdr[j]
		_, isNew := p.headers[c]
		if isNew {
			p.decor = append(p.decor, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: gr(0, 1, c),
				Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{TextFormat: &sheets.TextFormat{Bold: true}}},
				Fields: "userEnteredFormat.textFormat.bold"}})
			px := columnWidths[col.Kind]
			if j == u.t.Key {
				px = keyColumnWidth
			}
			if px > 0 {
				p.decor = append(p.decor, &sheets.Request{UpdateDimensionProperties: &sheets.UpdateDimensionPropertiesRequest{
					Range: dimRange(id, "COLUMNS", c, c+1), Properties: &sheets.DimensionProperties{PixelSize: px}, Fields: "pixelSize"}})
			}
		}
		a, known := rec[h]
		if !known && !isNew {
			// A column without a record (written by an older version, or
			// by a person): adopt its format as it is.
			a = applied{Format: col.Format.String()}
		}
		want := a
		if !col.Format.IsZero() {
			want.Format = col.Format.String()
		}
		if !col.Format.IsZero() && (isNew || want.Format != a.Format) && rows > 1 {
			p.wholeFmt[c] = true
			p.decor = append(p.decor, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: gr(1, rows, c),
				Cell: &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{NumberFormat: u.colFormat(j)}}, Fields: "userEnteredFormat.numberFormat"}})
		}
		want.Link = a.Link
		switch {
		case col.Link && u.hasLinks:
			// Every row when links are new to the column, else new rows.
			from := appendAt
			if isNew || !a.Link {
				from = 1
			}
			u.linkRows(p, id, c, j, from, rows)
			want.Link = true
		case !col.Link && a.Link && rows > 1:
			// link: true was removed: take the links off the column.
			p.decor = append(p.decor, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: gr(1, rows, c),
				Cell: &sheets.CellData{}, Fields: "userEnteredFormat.textFormat.link"}})
			want.Link = false
		}
		next[h] = want
	}
	changed := len(next) != len(rec) || len(extra) > 0
	for h, a := range next {
		if rec[h] != a {
			changed = true
		}
	}
	if !changed {
		return
	}
	b, _ := json.Marshal(next)
	if metaID == 0 {
		p.structOnce = true
		p.decor = append(p.decor, &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{
			DeveloperMetadata: &sheets.DeveloperMetadata{MetadataKey: formatsKey, MetadataValue: string(b), Visibility: "DOCUMENT",
				Location: &sheets.DeveloperMetadataLocation{SheetId: id, ForceSendFields: []string{"SheetId"}}}}})
		return
	}
	p.decor = append(p.decor, &sheets.Request{UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{
		DataFilters:       []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: metaID}}},
		DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: string(b)}, Fields: "metadataValue"}})
	for _, x := range extra {
		p.structOnce = true
		p.decor = append(p.decor, &sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{
			DataFilter: &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: x}}}})
	}
}

// linkRows plans cell links for rows [from, to) of column c (mapping
// column j), one updateCells per run of consecutive linked rows. The link
// is a text-format link on the cell: never a formula built from CRM text.
func (u *upsert) linkRows(p *plan, sheetID int64, c, j, from, to int) {
	type cellLink struct {
		row int
		uri string
	}
	var cells []cellLink
	p.eachFinal(from, func(r int, k string) {
		if r >= to {
			return
		}
		if uri := u.linkOf(k, j); uri != "" {
			cells = append(cells, cellLink{r, uri})
		}
	})
	sort.Slice(cells, func(a, b int) bool { return cells[a].row < cells[b].row })
	for i := 0; i < len(cells); {
		start := i
		var rows []*sheets.RowData
		for ; i < len(cells) && cells[i].row == cells[start].row+(i-start); i++ {
			rows = append(rows, &sheets.RowData{Values: []*sheets.CellData{{UserEnteredFormat: &sheets.CellFormat{
				TextFormat: &sheets.TextFormat{Link: &sheets.Link{Uri: cells[i].uri}}}}}})
		}
		p.links = append(p.links, &sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{
			Start: &sheets.GridCoordinate{SheetId: sheetID, RowIndex: int64(cells[start].row), ColumnIndex: int64(c),
				ForceSendFields: []string{"SheetId", "RowIndex", "ColumnIndex"}},
			Rows: rows, Fields: "userEnteredFormat.textFormat.link"}})
	}
}

// linkBatches splits p.links into batchUpdate bodies under maxPayload.
func linkBatches(links []*sheets.Request) [][]*sheets.Request {
	var out [][]*sheets.Request
	var cur []*sheets.Request
	size := 0
	for _, r := range links {
		n := 200
		for _, rd := range r.UpdateCells.Rows {
			n += 80 + len(rd.Values[0].UserEnteredFormat.TextFormat.Link.Uri)
		}
		if size+n > maxPayload && len(cur) > 0 {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, r)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
