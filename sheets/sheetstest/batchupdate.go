package sheetstest

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"google.golang.org/api/sheets/v4"
)

// requestKinds are the names a batchUpdate request may carry (from the
// client library's Request type), so unknown names get Google's error.
var requestKinds = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(sheets.Request{})
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}()

// Requests accepted and ignored: they change only presentation.
var cosmeticKinds = map[string]bool{
	"autoResizeDimensions": true, "updateBorders": true,
	"mergeCells": true, "unmergeCells": true, "addConditionalFormatRule": true,
	"deleteConditionalFormatRule": true, "setDataValidation": true, "addBanding": true,
	"updateBanding": true, "deleteBanding": true,
}

type gridRangeJ struct {
	SheetID          int64  `json:"sheetId"`
	StartRowIndex    *int64 `json:"startRowIndex"`
	EndRowIndex      *int64 `json:"endRowIndex"`
	StartColumnIndex *int64 `json:"startColumnIndex"`
	EndColumnIndex   *int64 `json:"endColumnIndex"`
}

type dimRangeJ struct {
	SheetID    int64  `json:"sheetId"`
	Dimension  string `json:"dimension"`
	StartIndex *int64 `json:"startIndex"`
	EndIndex   *int64 `json:"endIndex"`
}

type gridPropsJ struct {
	RowCount          *int64 `json:"rowCount"`
	ColumnCount       *int64 `json:"columnCount"`
	FrozenRowCount    *int64 `json:"frozenRowCount"`
	FrozenColumnCount *int64 `json:"frozenColumnCount"`
}

type sheetPropsJ struct {
	SheetID        *int64      `json:"sheetId"`
	Title          *string     `json:"title"`
	Index          *int64      `json:"index"`
	Hidden         *bool       `json:"hidden"`
	GridProperties *gridPropsJ `json:"gridProperties"`
}

type metaLocJ struct {
	Spreadsheet    *bool      `json:"spreadsheet"`
	SheetID        *int64     `json:"sheetId"`
	DimensionRange *dimRangeJ `json:"dimensionRange"`
	LocationType   string     `json:"locationType"`
}

type metaJ struct {
	MetadataID    *int64    `json:"metadataId"`
	MetadataKey   string    `json:"metadataKey"`
	MetadataValue string    `json:"metadataValue"`
	Location      *metaLocJ `json:"location"`
	Visibility    string    `json:"visibility"`
}

type lookupJ struct {
	MetadataID               int64     `json:"metadataId"`
	MetadataKey              string    `json:"metadataKey"`
	MetadataValue            string    `json:"metadataValue"`
	LocationType             string    `json:"locationType"`
	Visibility               string    `json:"visibility"`
	MetadataLocation         *metaLocJ `json:"metadataLocation"`
	LocationMatchingStrategy string    `json:"locationMatchingStrategy"`
}

type dataFilterJ struct {
	A1Range                 string      `json:"a1Range"`
	GridRange               *gridRangeJ `json:"gridRange"`
	DeveloperMetadataLookup *lookupJ    `json:"developerMetadataLookup"`
}

// reqErr builds a subrequest error: "Invalid requests[i].kind: …".
type reqCtx struct {
	i    int
	kind string
}

func (c reqCtx) err(format string, a ...any) *apiError {
	return errInvalidRequest(c.i, c.kind, format, a...)
}

// batchUpdate: POST v4/spreadsheets/{id}:batchUpdate. All requests apply
// or none does; replies come in request order.
func (s *Server) batchUpdate(t *tx, body []byte) (any, *apiError) {
	var req struct {
		Requests                     []json.RawMessage `json:"requests"`
		IncludeSpreadsheetInResponse bool              `json:"includeSpreadsheetInResponse"`
		ResponseRanges               []string          `json:"responseRanges"`
		ResponseIncludeGridData      bool              `json:"responseIncludeGridData"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	replies := make([]any, 0, len(req.Requests))
	for i, raw := range req.Requests {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, badRequest("Invalid JSON payload received. requests[%d]: %v", i, err)
		}
		if len(m) == 0 {
			return nil, badRequest("Invalid requests[%d]: No request set.", i)
		}
		kinds := make([]string, 0, len(m))
		for k := range m {
			if !requestKinds[k] {
				return nil, badRequest("Invalid JSON payload received. Unknown name %q at 'requests[%d]': Cannot find field.", k, i)
			}
			kinds = append(kinds, k)
		}
		if len(kinds) > 1 {
			sort.Strings(kinds)
			return nil, badRequest("Invalid value at 'requests[%d]' (oneof), oneof field 'kind' is already set. Cannot set '%s'", i, kinds[1])
		}
		var typed sheets.Request
		if err := decodeBody(raw, &typed); err != nil {
			err.message = strings.Replace(err.message, "Cannot find field.", fmt.Sprintf("Cannot find field (in requests[%d]).", i), 1)
			return nil, err
		}
		kind := kinds[0]
		reply, err := s.apply(t, reqCtx{i, kind}, m[kind])
		if err != nil {
			return nil, err
		}
		if reply == nil {
			reply = map[string]any{}
		}
		replies = append(replies, reply)
	}
	out := map[string]any{"spreadsheetId": t.ss.id}
	if len(replies) > 0 {
		out["replies"] = replies
	}
	if req.IncludeSpreadsheetInResponse {
		ss, _ := s.getSpreadsheet(t.ss, map[string][]string{"ranges": req.ResponseRanges}, &req.ResponseIncludeGridData)
		var v any
		json.Unmarshal(ss.([]byte), &v)
		out["updatedSpreadsheet"] = v
	}
	return out, nil
}

func (s *Server) apply(t *tx, c reqCtx, raw json.RawMessage) (any, *apiError) {
	dec := func(v any) *apiError {
		if err := json.Unmarshal(raw, v); err != nil {
			return c.err("%v", err)
		}
		return nil
	}
	if cosmeticKinds[c.kind] {
		return nil, nil
	}
	switch c.kind {
	case "addSheet":
		var r struct{ Properties *sheetPropsJ }
		if err := dec(&r); err != nil {
			return nil, err
		}
		return s.addSheet(t, c, r.Properties)
	case "deleteSheet":
		var r struct {
			SheetID int64 `json:"sheetId"`
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		sh := t.ss.sheetByID(r.SheetID)
		if sh == nil {
			return nil, c.err("No grid with id: %d", r.SheetID)
		}
		if len(t.ss.sheets) == 1 {
			return nil, c.err("You can't remove all the sheets in a document.")
		}
		t.ss.sheets = slices.DeleteFunc(t.ss.sheets, func(x *sheet) bool { return x.id == sh.id })
		t.ss.dropSheetMeta(sh.id)
		return nil, nil
	case "updateSheetProperties":
		var r struct {
			Properties *sheetPropsJ
			Fields     string
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		return nil, s.updateSheetProps(t, c, r.Properties, r.Fields)
	case "updateSpreadsheetProperties":
		var r struct {
			Properties struct{ Title, Locale, TimeZone *string }
			Fields     string
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		m, err := parseMask(r.Fields)
		if r.Fields == "" || err != nil {
			return nil, c.err("Must specify at least one field.")
		}
		_, all := m["*"]
		set := func(name string, dst *string, v *string) {
			if _, ok := m[name]; ok || all {
				*dst = ""
				if v != nil {
					*dst = *v
				}
			}
		}
		set("title", &t.ss.title, r.Properties.Title)
		set("locale", &t.ss.locale, r.Properties.Locale)
		set("timeZone", &t.ss.timeZone, r.Properties.TimeZone)
		return nil, nil
	case "appendDimension":
		var r struct {
			SheetID   int64 `json:"sheetId"`
			Dimension string
			Length    int64
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		sh := t.ss.sheetByID(r.SheetID)
		if sh == nil {
			return nil, c.err("No grid with id: %d", r.SheetID)
		}
		if r.Length <= 0 {
			return nil, c.err("length must be greater than 0")
		}
		n := int(r.Length)
		switch r.Dimension {
		case "ROWS":
			if err := t.growCheck(n*sh.cols, 0, 0); err != nil {
				return nil, c.err("%s", err.message)
			}
			t.w(sh).rows += n
			t.s.stats.RowsInserted += n
		case "COLUMNS":
			if err := t.growCheck(n*sh.rows, sh.cols, n); err != nil {
				return nil, c.err("%s", err.message)
			}
			t.w(sh).cols += n
		default:
			return nil, c.err("dimension must be ROWS or COLUMNS, got %q", r.Dimension)
		}
		return nil, nil
	case "insertDimension":
		var r struct {
			Range             dimRangeJ
			InheritFromBefore bool
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		sh, s0, e0, err := t.dimRange(c, r.Range, true)
		if err != nil {
			return nil, err
		}
		n := e0 - s0
		from := s0
		if r.InheritFromBefore {
			if s0 == 0 {
				return nil, c.err("Cannot inherit properties from before the first %s.", strings.ToLower(strings.TrimSuffix(r.Range.Dimension, "S")))
			}
			from = s0 - 1
		}
		sh = t.w(sh)
		if r.Range.Dimension == "ROWS" {
			if err := t.growCheck(n*sh.cols, 0, 0); err != nil {
				return nil, c.err("%s", err.message)
			}
			if from >= sh.rows {
				from = -1
			}
			sh.insertRows(s0, n, from)
			t.ss.shiftMeta(sh.id, "ROW", s0, n)
			t.s.stats.RowsInserted += n
			t.rebase(refEdit{sh.title, true, shiftMap(s0, n)})
		} else {
			if err := t.growCheck(n*sh.rows, sh.cols, n); err != nil {
				return nil, c.err("%s", err.message)
			}
			if from >= sh.cols {
				from = -1
			}
			sh.insertCols(s0, n, from)
			t.ss.shiftMeta(sh.id, "COLUMN", s0, n)
			t.rebase(refEdit{sh.title, false, shiftMap(s0, n)})
		}
		return nil, nil
	case "deleteDimension":
		var r struct{ Range dimRangeJ }
		if err := dec(&r); err != nil {
			return nil, err
		}
		sh, s0, e0, err := t.dimRange(c, r.Range, false)
		if err != nil {
			return nil, err
		}
		gone := box{s0, 0, e0, sh.cols}
		if r.Range.Dimension != "ROWS" {
			gone = box{0, s0, sh.rows, e0}
		}
		if err := t.guard(sh, gone); err != nil {
			return nil, err
		}
		sh = t.w(sh)
		if r.Range.Dimension == "ROWS" {
			if e0-s0 >= sh.rows {
				return nil, c.err("You can't delete all the rows on the sheet.")
			}
			sh.deleteRows(s0, e0-s0)
			t.ss.shiftMeta(sh.id, "ROW", s0, -(e0 - s0))
			t.rebase(refEdit{sh.title, true, shiftMap(s0, -(e0 - s0))})
		} else {
			if e0-s0 >= sh.cols {
				return nil, c.err("You can't delete all the columns on the sheet.")
			}
			sh.deleteCols(s0, e0-s0)
			t.ss.shiftMeta(sh.id, "COLUMN", s0, -(e0 - s0))
			t.rebase(refEdit{sh.title, false, shiftMap(s0, -(e0 - s0))})
		}
		return nil, nil
	case "moveDimension":
		var r struct {
			Source           dimRangeJ
			DestinationIndex int64
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		sh, s0, e0, err := t.dimRange(c, r.Source, false)
		if err != nil {
			return nil, err
		}
		d := int(r.DestinationIndex)
		limit := sh.rows
		if r.Source.Dimension == "COLUMNS" {
			limit = sh.cols
		}
		if d < 0 || d > limit {
			return nil, c.err("destinationIndex %d is outside the grid (0..%d).", d, limit)
		}
		sh = t.w(sh)
		if r.Source.Dimension == "ROWS" {
			sh.moveRows(s0, e0, d)
			t.ss.moveMeta(sh.id, "ROW", s0, e0, d)
			t.rebase(refEdit{sh.title, true, moveMap(s0, e0, d)})
		} else {
			sh.moveCols(s0, e0, d)
			t.ss.moveMeta(sh.id, "COLUMN", s0, e0, d)
			t.rebase(refEdit{sh.title, false, moveMap(s0, e0, d)})
		}
		return nil, nil
	case "updateDimensionProperties":
		var r struct {
			Range      *dimRangeJ
			Properties *struct {
				PixelSize *int64 `json:"pixelSize"`
			}
			Fields string
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		return nil, s.updateDimensionProps(t, c, r.Range, r.Properties != nil && r.Properties.PixelSize != nil, func() int64 {
			return *r.Properties.PixelSize
		}, r.Fields)
	case "updateCells":
		var r struct {
			Start *struct {
				SheetID     int64 `json:"sheetId"`
				RowIndex    int64
				ColumnIndex int64
			}
			Range  *gridRangeJ
			Rows   []*sheets.RowData
			Fields string
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		return nil, s.updateCells(t, c, r.Start != nil, r.Range, r.Rows, r.Fields, func() (int64, int, int) {
			return r.Start.SheetID, int(r.Start.RowIndex), int(r.Start.ColumnIndex)
		})
	case "repeatCell":
		var r struct {
			Range  *gridRangeJ
			Cell   *sheets.CellData
			Fields string
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		return nil, s.repeatCell(t, c, r.Range, r.Cell, r.Fields)
	case "sortRange":
		var r struct {
			Range     *gridRangeJ
			SortSpecs []struct {
				DimensionIndex int64
				SortOrder      string
			}
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		if r.Range == nil {
			return nil, c.err("range is required")
		}
		sh, bx, err := t.gridRange(c, *r.Range)
		if err != nil {
			return nil, err
		}
		var keys []sortKey
		for _, sp := range r.SortSpecs {
			col := int(sp.DimensionIndex)
			if col < bx.c0 || col >= bx.c1 {
				return nil, c.err("Sort dimension index %d is outside the range.", col)
			}
			keys = append(keys, sortKey{col, sp.SortOrder == "DESCENDING"})
		}
		if len(keys) == 0 {
			keys = []sortKey{{bx.c0, false}}
		}
		if err := t.guard(sh, bx); err != nil {
			return nil, err
		}
		sortBox(t.w(sh), bx, keys)
		return nil, nil
	case "createDeveloperMetadata":
		var r struct{ DeveloperMetadata *metaJ }
		if err := dec(&r); err != nil {
			return nil, err
		}
		m, err := s.newMeta(t, c, r.DeveloperMetadata)
		if err != nil {
			return nil, err
		}
		t.ss.meta = append(t.ss.meta, m)
		return map[string]any{"createDeveloperMetadata": map[string]any{"developerMetadata": metaJSON(m)}}, nil
	case "updateDeveloperMetadata":
		var r struct {
			DataFilters       []dataFilterJ
			DeveloperMetadata *metaJ
			Fields            string
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		return s.updateMeta(t, c, r.DataFilters, r.DeveloperMetadata, r.Fields)
	case "deleteDeveloperMetadata":
		var r struct{ DataFilter *dataFilterJ }
		if err := dec(&r); err != nil {
			return nil, err
		}
		if r.DataFilter == nil {
			return nil, c.err("dataFilter is required")
		}
		matched, err := t.ss.matchMeta(*r.DataFilter)
		if err != nil {
			return nil, c.err("%s", err.message)
		}
		deleted := []any{}
		for _, m := range matched {
			deleted = append(deleted, metaJSON(m))
		}
		t.ss.meta = slices.DeleteFunc(t.ss.meta, func(m *devMeta) bool { return slices.Contains(matched, m) })
		return map[string]any{"deleteDeveloperMetadata": map[string]any{"deletedDeveloperMetadata": deleted}}, nil
	case "addProtectedRange":
		var r struct{ ProtectedRange map[string]any }
		if err := dec(&r); err != nil {
			return nil, err
		}
		if r.ProtectedRange == nil {
			return nil, c.err("protectedRange is required")
		}
		var rng struct{ Range *gridRangeJ }
		json.Unmarshal(raw, &struct{ ProtectedRange any }{&rng})
		if rng.Range == nil {
			return nil, c.err("protectedRange.range is required")
		}
		sh, _, err := t.gridRange(c, *rng.Range)
		if err != nil {
			return nil, err
		}
		r.ProtectedRange["protectedRangeId"] = int64(s.rng.Int32N(1<<30) + 1)
		if _, set := r.ProtectedRange["editors"]; !set && t.by != "" {
			// Whoever protects a range may still edit it.
			r.ProtectedRange["editors"] = map[string]any{"users": []any{t.by}}
		}
		sh = t.w(sh)
		sh.protected = append(sh.protected, r.ProtectedRange)
		return map[string]any{"addProtectedRange": map[string]any{"protectedRange": r.ProtectedRange}}, nil
	case "deleteProtectedRange":
		var r struct {
			ProtectedRangeID int64 `json:"protectedRangeId"`
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		for _, sh := range t.ss.sheets {
			for i, p := range sh.protected {
				if id, _ := p.(map[string]any)["protectedRangeId"].(int64); id == r.ProtectedRangeID {
					w := t.w(sh)
					w.protected = slices.Delete(w.protected, i, i+1)
					return nil, nil
				}
			}
		}
		return nil, c.err("No protected range with id: %d", r.ProtectedRangeID)
	case "setBasicFilter":
		var r struct {
			Filter map[string]any
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		var f struct {
			Filter struct{ Range *gridRangeJ }
		}
		json.Unmarshal(raw, &f)
		if f.Filter.Range == nil {
			return nil, c.err("filter.range is required")
		}
		sh, _, err := t.gridRange(c, *f.Filter.Range)
		if err != nil {
			return nil, err
		}
		t.w(sh).filter = r.Filter
		return nil, nil
	case "clearBasicFilter":
		var r struct {
			SheetID int64 `json:"sheetId"`
		}
		if err := dec(&r); err != nil {
			return nil, err
		}
		sh := t.ss.sheetByID(r.SheetID)
		if sh == nil {
			return nil, c.err("No grid with id: %d", r.SheetID)
		}
		t.w(sh).filter = nil
		return nil, nil
	}
	return nil, c.err("sheetstest does not emulate %s requests", c.kind)
}

// dimRange resolves a DimensionRange; insert allows start == count.
func (t *tx) dimRange(c reqCtx, r dimRangeJ, insert bool) (*sheet, int, int, *apiError) {
	sh := t.ss.sheetByID(r.SheetID)
	if sh == nil {
		return nil, 0, 0, c.err("No grid with id: %d", r.SheetID)
	}
	var count int
	switch r.Dimension {
	case "ROWS":
		count = sh.rows
	case "COLUMNS":
		count = sh.cols
	default:
		return nil, 0, 0, c.err("range.dimension must be ROWS or COLUMNS, got %q", r.Dimension)
	}
	s0, e0 := 0, count
	if r.StartIndex != nil {
		s0 = int(*r.StartIndex)
	}
	if r.EndIndex != nil {
		e0 = int(*r.EndIndex)
	} else if insert {
		return nil, 0, 0, c.err("range.endIndex is required")
	}
	if s0 < 0 || e0 <= s0 {
		return nil, 0, 0, c.err("range: startIndex %d must be less than endIndex %d", s0, e0)
	}
	if !insert && e0 > count || insert && s0 > count {
		return nil, 0, 0, c.err("Range ('%s' %s %d..%d) exceeds grid limits. Max rows: %d, max columns: %d",
			sh.title, strings.ToLower(r.Dimension), s0, e0, sh.rows, sh.cols)
	}
	return sh, s0, e0, nil
}

// gridRange resolves a GridRange; omitted ends are the grid's ends.
func (t *tx) gridRange(c reqCtx, r gridRangeJ) (*sheet, box, *apiError) {
	return resolveGrid(t.ss, r, c.err)
}

func resolveGrid(ss *spreadsheet, r gridRangeJ, errf func(string, ...any) *apiError) (*sheet, box, *apiError) {
	sh := ss.sheetByID(r.SheetID)
	if sh == nil {
		return nil, box{}, errf("No grid with id: %d", r.SheetID)
	}
	bx := box{0, 0, sh.rows, sh.cols}
	if r.StartRowIndex != nil {
		bx.r0 = int(*r.StartRowIndex)
	}
	if r.EndRowIndex != nil {
		bx.r1 = int(*r.EndRowIndex)
	}
	if r.StartColumnIndex != nil {
		bx.c0 = int(*r.StartColumnIndex)
	}
	if r.EndColumnIndex != nil {
		bx.c1 = int(*r.EndColumnIndex)
	}
	if bx.r0 < 0 || bx.c0 < 0 || bx.r1 < bx.r0 || bx.c1 < bx.c0 {
		return nil, bx, errf("Invalid range: start index must not be greater than end index.")
	}
	if bx.r1 > sh.rows || bx.c1 > sh.cols {
		return nil, bx, errf("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
			rangeText(sh.title, bx.r0, bx.c0, max(bx.r1, bx.r0+1), max(bx.c1, bx.c0+1)), sh.rows, sh.cols)
	}
	return sh, bx, nil
}

func (s *Server) addSheet(t *tx, c reqCtx, p *sheetPropsJ) (any, *apiError) {
	if p == nil {
		p = &sheetPropsJ{}
	}
	sh := &sheet{rows: 1000, cols: 26}
	t.s.gen++
	sh.gen = t.s.gen
	if p.SheetID != nil {
		if *p.SheetID > math.MaxInt32 { // an int32 on the wire
			return nil, badRequest("Invalid value at 'requests[%d].add_sheet.properties.sheet_id' (TYPE_INT32), %d", c.i, *p.SheetID)
		}
		if *p.SheetID < 0 || t.ss.sheetByID(*p.SheetID) != nil {
			return nil, c.err("A sheet with the id %d already exists.", *p.SheetID)
		}
		sh.id = *p.SheetID
	} else {
		for sh.id = int64(s.rng.Int32N(2_000_000_000) + 1); t.ss.sheetByID(sh.id) != nil; sh.id++ {
		}
	}
	if p.Title != nil && *p.Title != "" {
		sh.title = *p.Title
	} else {
		for n := len(t.ss.sheets) + 1; ; n++ {
			if sh.title = fmt.Sprintf("Sheet%d", n); t.ss.sheetByTitle(sh.title) == nil {
				break
			}
		}
	}
	if t.ss.sheetByTitle(sh.title) != nil {
		return nil, c.err("A sheet with the name \"%s\" already exists. Please enter another name.", sh.title)
	}
	if g := p.GridProperties; g != nil {
		if g.RowCount != nil {
			sh.rows = int(*g.RowCount)
		}
		if g.ColumnCount != nil {
			sh.cols = int(*g.ColumnCount)
		}
		if g.FrozenRowCount != nil {
			sh.frozenRows = int(*g.FrozenRowCount)
		}
		if g.FrozenColumnCount != nil {
			sh.frozenCols = int(*g.FrozenColumnCount)
		}
	}
	if sh.rows < 1 || sh.cols < 1 {
		return nil, c.err("A sheet must have at least one row and one column.")
	}
	if sh.frozenRows >= sh.rows || sh.frozenCols >= sh.cols || sh.frozenRows < 0 || sh.frozenCols < 0 {
		return nil, c.err("You can't freeze all visible rows on the sheet.")
	}
	if err := t.growCheck(sh.rows*sh.cols, 0, sh.cols); err != nil {
		return nil, c.err("%s", err.message)
	}
	if p.Hidden != nil {
		sh.hidden = *p.Hidden
	}
	idx := len(t.ss.sheets)
	if p.Index != nil && int(*p.Index) < idx && *p.Index >= 0 {
		idx = int(*p.Index)
	}
	t.ss.sheets = slices.Insert(t.ss.sheets, idx, sh)
	t.owned[sh.id] = true
	return map[string]any{"addSheet": map[string]any{"properties": sheetProps(sh, idx)}}, nil
}

// sheetProps renders SheetProperties, zero ids and indexes included.
func sheetProps(sh *sheet, idx int) map[string]any {
	gp := map[string]any{"rowCount": sh.rows, "columnCount": sh.cols}
	if sh.frozenRows > 0 {
		gp["frozenRowCount"] = sh.frozenRows
	}
	if sh.frozenCols > 0 {
		gp["frozenColumnCount"] = sh.frozenCols
	}
	p := map[string]any{"sheetId": sh.id, "title": sh.title, "index": idx, "sheetType": "GRID", "gridProperties": gp}
	if sh.hidden {
		p["hidden"] = true
	}
	return p
}

func (s *Server) updateSheetProps(t *tx, c reqCtx, p *sheetPropsJ, fields string) *apiError {
	if p == nil {
		return c.err("properties is required")
	}
	m, aerr := requiredMask(c, fields, "Must specify at least one field.")
	if aerr != nil {
		return aerr
	}
	id := int64(0)
	if p.SheetID != nil {
		id = *p.SheetID
	}
	sh := t.ss.sheetByID(id)
	if sh == nil {
		return c.err("No grid with id: %d", id)
	}
	sh = t.w(sh)
	_, all := m["*"]
	has := func(path ...string) bool {
		if all {
			return true
		}
		node := m
		for _, p := range path {
			child, ok := node[p]
			if !ok {
				return false
			}
			if child == nil {
				return true
			}
			node = child
		}
		return true
	}
	for k := range m {
		switch k {
		case "*", "title", "index", "hidden", "gridProperties", "tabColor", "tabColorStyle", "rightToLeft", "sheetId":
		default:
			return c.err("Invalid field mask: %s is not a field of SheetProperties.", k)
		}
	}
	if has("title") {
		if p.Title == nil || *p.Title == "" {
			return c.err("The sheet name cannot be empty.")
		}
		if o := t.ss.sheetByTitle(*p.Title); o != nil && o.id != sh.id {
			return c.err("A sheet with the name \"%s\" already exists. Please enter another name.", *p.Title)
		}
		if old := sh.title; old != *p.Title {
			sh.title = *p.Title
			t.renameRefs(old, sh.title)
		}
	}
	if has("hidden") {
		sh.hidden = p.Hidden != nil && *p.Hidden
		if sh.hidden && !slices.ContainsFunc(t.ss.sheets, func(x *sheet) bool { return !x.hidden }) {
			return c.err("You can't hide all the sheets in a document.")
		}
	}
	g := p.GridProperties
	if g == nil {
		g = &gridPropsJ{}
	}
	val := func(v *int64) int {
		if v == nil {
			return 0
		}
		return int(*v)
	}
	rows, cols := sh.rows, sh.cols
	if has("gridProperties", "rowCount") {
		rows = val(g.RowCount)
	}
	if has("gridProperties", "columnCount") {
		cols = val(g.ColumnCount)
	}
	if rows < 1 || cols < 1 {
		return c.err("A sheet must have at least one row and one column.")
	}
	if cols > maxColumns || t.ss.totalCells()-sh.rows*sh.cols+rows*cols > 10_000_000 {
		return c.err("This action would increase the number of cells in the workbook above the limit of 10000000 cells.")
	}
	if rows < sh.rows {
		if len(sh.data) > rows {
			sh.data = sh.data[:rows]
		}
		t.ss.shiftMeta(sh.id, "ROW", rows, -(sh.rows - rows))
	}
	if cols < sh.cols {
		for r, rw := range sh.data {
			if rw != nil && len(rw.c) > cols {
				sh.wrow(r, 0).c = sh.data[r].c[:cols]
			}
		}
		t.ss.shiftMeta(sh.id, "COLUMN", cols, -(sh.cols - cols))
	}
	sh.rows, sh.cols = rows, cols
	if has("gridProperties", "frozenRowCount") {
		sh.frozenRows = val(g.FrozenRowCount)
	}
	if has("gridProperties", "frozenColumnCount") {
		sh.frozenCols = val(g.FrozenColumnCount)
	}
	if sh.frozenRows >= sh.rows {
		return c.err("You can't freeze all visible rows on the sheet.")
	}
	if sh.frozenCols >= sh.cols {
		return c.err("You can't freeze all visible columns on the sheet.")
	}
	if has("index") {
		i := val(p.Index)
		cur := t.ss.index(sh)
		t.ss.sheets = slices.Delete(t.ss.sheets, cur, cur+1)
		i = min(max(i, 0), len(t.ss.sheets))
		t.ss.sheets = slices.Insert(t.ss.sheets, i, sh)
	}
	return nil
}

func (s *Server) intern(f *sheets.NumberFormat) *numFmt {
	if f == nil {
		return nil
	}
	k := numFmt{f.Type, f.Pattern}
	if s.fmts == nil {
		s.fmts = map[numFmt]*numFmt{}
	}
	if p, ok := s.fmts[k]; ok {
		return p
	}
	p := &k
	s.fmts[k] = p
	return p
}

var numberFormatTypes = map[string]bool{"TEXT": true, "NUMBER": true, "PERCENT": true, "CURRENCY": true,
	"DATE": true, "TIME": true, "DATE_TIME": true, "SCIENTIFIC": true}

// cellFrom turns CellData into a cell applied over old under mask cm.
func (s *Server) cellFrom(c reqCtx, d *sheets.CellData, cm cellMask, old cell) (cell, *apiError) {
	out := old
	if cm.value {
		out = old.formatOnly()
		if d != nil && d.UserEnteredValue != nil {
			v := d.UserEnteredValue
			switch {
			case v.StringValue != nil:
				if utf8.RuneCountInString(*v.StringValue) > maxCellChars {
					return out, badRequest("Your input contains more than the maximum of %d characters in a single cell.", maxCellChars)
				}
				if *v.StringValue != "" {
					out.k, out.s = kString, *v.StringValue
				}
			case v.NumberValue != nil:
				out.k, out.n = kNumber, *v.NumberValue
			case v.BoolValue != nil:
				out.k = kBool
				if *v.BoolValue {
					out.n = 1
				}
			case v.FormulaValue != nil:
				if !strings.HasPrefix(*v.FormulaValue, "=") {
					return out, c.err("formulaValue must start with '=': %q", *v.FormulaValue)
				}
				if utf8.RuneCountInString(*v.FormulaValue) > maxCellChars {
					return out, badRequest("Your input contains more than the maximum of %d characters in a single cell.", maxCellChars)
				}
				out.k, out.s = kFormula, *v.FormulaValue
			case v.ErrorValue != nil:
				return out, c.err("errorValue cannot be written")
			}
		}
	}
	if cm.format {
		out.f = nil
		if d != nil && d.UserEnteredFormat != nil && d.UserEnteredFormat.NumberFormat != nil {
			nf := d.UserEnteredFormat.NumberFormat
			if !numberFormatTypes[nf.Type] {
				return out, c.err("Invalid numberFormat.type %q (want one of TEXT, NUMBER, PERCENT, CURRENCY, DATE, TIME, DATE_TIME, SCIENTIFIC).", nf.Type)
			}
			out.f = s.intern(nf)
		}
	}
	return extFrom(c, d, cm, out)
}

func (s *Server) updateCells(t *tx, c reqCtx, hasStart bool, rg *gridRangeJ, rows []*sheets.RowData, fields string, start func() (int64, int, int)) *apiError {
	cm, err := parseCellMask(c, fields)
	if err != nil {
		return err
	}
	var sh *sheet
	var bx box
	switch {
	case hasStart && rg != nil:
		return c.err("Only one of start or range may be set.")
	case hasStart:
		id, r0, c0 := start()
		if sh = t.ss.sheetByID(id); sh == nil {
			return c.err("No grid with id: %d", id)
		}
		nc := 0
		for _, rd := range rows {
			if rd != nil {
				nc = max(nc, len(rd.Values))
			}
		}
		bx = box{r0, c0, r0 + len(rows), c0 + nc}
		if r0 < 0 || c0 < 0 || r0 >= sh.rows || c0 >= sh.cols || bx.r1 > sh.rows || bx.c1 > sh.cols {
			return c.err("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
				rangeText(sh.title, r0, c0, max(bx.r1, r0+1), max(bx.c1, c0+1)), sh.rows, sh.cols)
		}
	case rg != nil:
		if sh, bx, err = t.gridRange(c, *rg); err != nil {
			return err
		}
		if len(rows) > bx.rows() {
			return c.err("Attempting to write row: %d, beyond the last requested row of: %d", bx.r0+len(rows)-1, bx.r1-1)
		}
		for _, rd := range rows {
			if rd != nil && len(rd.Values) > bx.cols() {
				return c.err("Attempting to write column: %d, beyond the last requested column of: %d", bx.c0+len(rd.Values)-1, bx.c1-1)
			}
		}
	default:
		return c.err("Either start or range must be set.")
	}
	if err := t.guard(sh, bx); err != nil {
		return err
	}
	sh = t.w(sh)
	for i := bx.r0; i < bx.r1; i++ {
		var rd *sheets.RowData
		if k := i - bx.r0; k < len(rows) {
			rd = rows[k]
		}
		for j := bx.c0; j < bx.c1; j++ {
			var d *sheets.CellData
			if rd != nil && j-bx.c0 < len(rd.Values) {
				d = rd.Values[j-bx.c0]
			}
			old := sh.get(i, j)
			nc, err := s.cellFrom(c, d, cm, old)
			if err != nil {
				return err
			}
			if nc.k == kFormula {
				t.ss.formulas = true
			}
			if nc != old {
				sh.set(i, j, nc)
				t.cells++
			}
		}
	}
	return nil
}

func (s *Server) repeatCell(t *tx, c reqCtx, rg *gridRangeJ, d *sheets.CellData, fields string) *apiError {
	cm, err := parseCellMask(c, fields)
	if err != nil {
		return err
	}
	if rg == nil {
		return c.err("range is required")
	}
	sh, bx, err := t.gridRange(c, *rg)
	if err != nil {
		return err
	}
	if err := t.guard(sh, bx); err != nil {
		return err
	}
	sh = t.w(sh)
	proto, err := s.cellFrom(c, d, cm, cell{})
	if err != nil {
		return err
	}
	if proto.k == kFormula {
		t.ss.formulas = true
	}
	for i := bx.r0; i < bx.r1; i++ {
		// Untouched empty cells beyond a row's data need no storage when
		// the result would still be an empty, unformatted cell.
		if !cm.value && proto.f == nil && proto.x == nil && (i >= len(sh.data) || sh.data[i] == nil) {
			continue
		}
		for j := bx.c0; j < bx.c1; j++ {
			old := sh.get(i, j)
			nc := old
			if cm.value {
				nc = old.formatOnly()
				nc.k, nc.s, nc.n = proto.k, proto.s, proto.n
			}
			if cm.format {
				nc.f = proto.f
			}
			if cm.ext() {
				if nc, err = extFrom(c, d, cm, nc); err != nil {
					return err
				}
			}
			if nc != old {
				sh.set(i, j, nc)
				t.cells++
			}
		}
	}
	return nil
}

// updateDimensionProps stores column pixel sizes; row sizes and other
// dimension properties are accepted and dropped (presentation only).
func (s *Server) updateDimensionProps(t *tx, c reqCtx, rg *dimRangeJ, hasPx bool, px func() int64, fields string) *apiError {
	if rg == nil {
		return c.err("range is required")
	}
	m, aerr := requiredMask(c, fields, "At least one field must be specified.")
	if aerr != nil {
		return aerr
	}
	for k := range m {
		switch k {
		case "*", "pixelSize", "hiddenByUser", "developerMetadata":
		default:
			return c.err("Invalid field mask: %s is not a field of DimensionProperties.", k)
		}
	}
	sh, s0, e0, err := t.dimRange(c, *rg, false)
	if err != nil {
		return err
	}
	_, setPx := m["pixelSize"]
	if _, all := m["*"]; all {
		setPx = true
	}
	if !setPx || rg.Dimension != "COLUMNS" {
		return nil
	}
	w := 0
	if hasPx {
		if w = int(px()); w < 0 {
			return c.err("pixelSize must not be negative.")
		}
	}
	sh = t.w(sh)
	for len(sh.widths) < e0 {
		sh.widths = append(sh.widths, 0)
	}
	for i := s0; i < e0; i++ {
		sh.widths[i] = w
	}
	return nil
}

type sortKey struct {
	col  int
	desc bool
}

// sortBox sorts the rows of bx (cells outside its columns stay put) the
// way Sheets orders values: numbers, then text (case-insensitive), then
// booleans; empty cells last in either order.
func sortBox(sh *sheet, bx box, keys []sortKey) {
	n := bx.rows()
	segs := make([][]cell, n)
	from := make([]int, n) // the row each segment came from
	for i := range segs {
		seg := make([]cell, bx.cols())
		for j := range seg {
			seg[j] = sh.get(bx.r0+i, bx.c0+j)
		}
		segs[i], from[i] = seg, bx.r0+i
	}
	sort.Stable(sortSegs{segs, from, func(a, b int) bool {
		for _, k := range keys {
			x, y := segs[a][k.col-bx.c0], segs[b][k.col-bx.c0]
			if x.k == kFormula {
				x = evalFormula(x)
			}
			if y.k == kFormula {
				y = evalFormula(y)
			}
			if x.empty() || y.empty() {
				if x.empty() != y.empty() {
					return y.empty()
				}
				continue
			}
			c := compareCells(x, y)
			if c == 0 {
				continue
			}
			if k.desc {
				return c > 0
			}
			return c < 0
		}
		return false
	}})
	for i, seg := range segs {
		r := bx.r0 + i
		for j := range seg {
			if seg[j].k == kFormula {
				seg[j].s = relativeRows(seg[j].s, r-from[i])
			}
		}
		if r >= len(sh.data) && !slices.ContainsFunc(seg, func(c cell) bool { return c != cell{} }) {
			continue
		}
		w := sh.wrow(r, bx.c1)
		copy(w.c[bx.c0:bx.c1], seg)
	}
}

// sortSegs sorts segments stably, keeping each one's source row with it.
type sortSegs struct {
	segs [][]cell
	from []int
	less func(a, b int) bool
}

func (s sortSegs) Len() int           { return len(s.segs) }
func (s sortSegs) Less(a, b int) bool { return s.less(a, b) }
func (s sortSegs) Swap(a, b int) {
	s.segs[a], s.segs[b] = s.segs[b], s.segs[a]
	s.from[a], s.from[b] = s.from[b], s.from[a]
}

func compareCells(x, y cell) int {
	rank := func(c cell) int {
		switch c.k {
		case kNumber:
			return 0
		case kString:
			return 1
		}
		return 2
	}
	if rx, ry := rank(x), rank(y); rx != ry {
		return rx - ry
	}
	switch x.k {
	case kString:
		if c := strings.Compare(strings.ToLower(x.s), strings.ToLower(y.s)); c != 0 {
			return c
		}
		return strings.Compare(x.s, y.s)
	default:
		switch {
		case x.n < y.n:
			return -1
		case x.n > y.n:
			return 1
		}
	}
	return 0
}
