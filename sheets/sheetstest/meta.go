package sheetstest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonenc"
)

// newMeta validates a DeveloperMetadata to create.
func (s *Server) newMeta(t *tx, c reqCtx, d *metaJ) (*devMeta, *apiError) {
	if d == nil {
		return nil, c.err("developerMetadata is required")
	}
	if d.MetadataKey == "" {
		return nil, c.err("Developer metadata must have a metadataKey.")
	}
	switch d.Visibility {
	case "DOCUMENT", "PROJECT":
	case "":
		return nil, c.err("Developer metadata must specify a visibility.")
	default:
		return nil, c.err("Invalid visibility %q (want DOCUMENT or PROJECT).", d.Visibility)
	}
	m := &devMeta{key: d.MetadataKey, value: d.MetadataValue, visibility: d.Visibility}
	if err := t.ss.setLocation(c, m, d.Location); err != nil {
		return nil, err
	}
	if d.MetadataID != nil {
		if *d.MetadataID <= 0 {
			return nil, c.err("metadataId must be positive.")
		}
		if *d.MetadataID > math.MaxInt32 { // an int32 on the wire
			return nil, badRequest("Invalid value at 'requests[%d].create_developer_metadata.developer_metadata.metadata_id' (TYPE_INT32), %d", c.i, *d.MetadataID)
		}
		if slices.ContainsFunc(t.ss.meta, func(x *devMeta) bool { return x.id == *d.MetadataID }) {
			return nil, c.err("Developer metadata with ID %d already exists.", *d.MetadataID)
		}
		m.id = *d.MetadataID
	} else {
		for m.id = int64(s.rng.Int32N(2_000_000_000) + 1); slices.ContainsFunc(t.ss.meta, func(x *devMeta) bool { return x.id == m.id }); m.id++ {
		}
	}
	return m, nil
}

// setLocation checks a location: exactly one of spreadsheet, sheetId or a
// dimensionRange of exactly one bounded row or column.
func (ss *spreadsheet) setLocation(c reqCtx, m *devMeta, l *metaLocJ) *apiError {
	if l == nil {
		return c.err("Developer metadata must have a location.")
	}
	n := 0
	if l.Spreadsheet != nil && *l.Spreadsheet {
		n++
		m.locType = "SPREADSHEET"
	}
	if l.SheetID != nil {
		n++
		if ss.sheetByID(*l.SheetID) == nil {
			return c.err("No grid with id: %d", *l.SheetID)
		}
		m.locType, m.sheetID = "SHEET", *l.SheetID
	}
	if d := l.DimensionRange; d != nil {
		n++
		sh := ss.sheetByID(d.SheetID)
		if sh == nil {
			return c.err("No grid with id: %d", d.SheetID)
		}
		count := sh.rows
		switch d.Dimension {
		case "ROWS":
			m.locType = "ROW"
		case "COLUMNS":
			m.locType, count = "COLUMN", sh.cols
		default:
			return c.err("location.dimensionRange.dimension must be ROWS or COLUMNS.")
		}
		if d.StartIndex == nil && d.EndIndex == nil || d.EndIndex == nil {
			return c.err("The location's dimension range must be bounded.")
		}
		s0, e0 := 0, int(*d.EndIndex)
		if d.StartIndex != nil {
			s0 = int(*d.StartIndex)
		}
		if e0-s0 != 1 {
			return c.err("The location's dimension range must represent a single row or column, got %d..%d.", s0, e0)
		}
		if s0 < 0 || e0 > count {
			return c.err("The location's dimension range is outside the grid (%d %s).", count, strings.ToLower(d.Dimension))
		}
		m.sheetID, m.start, m.end = d.SheetID, s0, e0
	}
	if n != 1 {
		return c.err("Developer metadata location must set exactly one of spreadsheet, sheetId or dimensionRange.")
	}
	return nil
}

// metaJSON renders DeveloperMetadata with its zero ids and indexes.
func metaJSON(m *devMeta) map[string]any {
	loc := map[string]any{"locationType": m.locType}
	switch m.locType {
	case "SPREADSHEET":
		loc["spreadsheet"] = true
	case "SHEET":
		loc["sheetId"] = m.sheetID
	default:
		dim := "ROWS"
		if m.locType == "COLUMN" {
			dim = "COLUMNS"
		}
		loc["dimensionRange"] = map[string]any{"sheetId": m.sheetID, "dimension": dim, "startIndex": m.start, "endIndex": m.end}
	}
	out := map[string]any{"metadataId": m.id, "metadataKey": m.key, "location": loc, "visibility": m.visibility}
	if m.value != "" {
		out["metadataValue"] = m.value
	}
	return out
}

// matchMeta returns the metadata a DataFilter selects.
func (ss *spreadsheet) matchMeta(f dataFilterJ) ([]*devMeta, *apiError) {
	var out []*devMeta
	switch {
	case f.DeveloperMetadataLookup != nil:
		l := f.DeveloperMetadataLookup
		for _, m := range ss.meta {
			if l.MetadataID != 0 && m.id != l.MetadataID ||
				l.MetadataKey != "" && m.key != l.MetadataKey ||
				l.MetadataValue != "" && m.value != l.MetadataValue ||
				l.LocationType != "" && m.locType != l.LocationType ||
				l.Visibility != "" && m.visibility != l.Visibility {
				continue
			}
			if loc := l.MetadataLocation; loc != nil && !locMatches(m, loc, l.LocationMatchingStrategy == "EXACT_LOCATION") {
				continue
			}
			out = append(out, m)
		}
	case f.A1Range != "" || f.GridRange != nil:
		var sh *sheet
		var bx box
		var err *apiError
		if f.A1Range != "" {
			var r a1Range
			if sh, r, err = ss.resolve(f.A1Range); err == nil {
				bx, err = clip(sh, r, false)
			}
		} else {
			sh, bx, err = resolveGrid(ss, *f.GridRange, func(format string, a ...any) *apiError { return badRequest(format, a...) })
		}
		if err != nil {
			return nil, err
		}
		for _, m := range ss.meta {
			if m.sheetID != sh.id {
				continue
			}
			switch m.locType {
			case "SHEET":
				out = append(out, m)
			case "ROW":
				if m.start < bx.r1 && m.end > bx.r0 {
					out = append(out, m)
				}
			case "COLUMN":
				if m.start < bx.c1 && m.end > bx.c0 {
					out = append(out, m)
				}
			}
		}
	default:
		return nil, badRequest("A data filter must set a developerMetadataLookup, a1Range or gridRange.")
	}
	return out, nil
}

func locMatches(m *devMeta, l *metaLocJ, exact bool) bool {
	switch {
	case l.Spreadsheet != nil && *l.Spreadsheet:
		return m.locType == "SPREADSHEET" || !exact
	case l.SheetID != nil:
		return m.sheetID == *l.SheetID && (m.locType == "SHEET" || !exact && m.locType != "SPREADSHEET")
	case l.DimensionRange != nil:
		d := l.DimensionRange
		lt := "ROW"
		if d.Dimension == "COLUMNS" {
			lt = "COLUMN"
		}
		if m.locType != lt || m.sheetID != d.SheetID {
			return false
		}
		s0, e0 := 0, 1<<31
		if d.StartIndex != nil {
			s0 = int(*d.StartIndex)
		}
		if d.EndIndex != nil {
			e0 = int(*d.EndIndex)
		}
		if exact {
			return m.start == s0 && m.end == e0
		}
		return m.start < e0 && m.end > s0
	}
	return true
}

func (s *Server) updateMeta(t *tx, c reqCtx, filters []dataFilterJ, d *metaJ, fields string) (any, *apiError) {
	if d == nil {
		return nil, c.err("developerMetadata is required")
	}
	if strings.TrimSpace(fields) == "" {
		return nil, c.err("Must specify at least one field.")
	}
	mk, perr := parseMask(fields)
	if perr != nil {
		return nil, c.err("Invalid field mask %q: %v", fields, perr)
	}
	_, all := mk["*"]
	has := func(k string) bool { _, ok := mk[k]; return ok || all }
	for k := range mk {
		switch k {
		case "*", "metadataKey", "metadataValue", "visibility", "location":
		default:
			return nil, c.err("Invalid field mask: %s is not an updatable field of DeveloperMetadata.", k)
		}
	}
	if len(filters) == 0 {
		return nil, c.err("dataFilters must not be empty.")
	}
	var matched []*devMeta
	for _, f := range filters {
		if f.DeveloperMetadataLookup == nil {
			return nil, c.err("Only developerMetadataLookup data filters may be used to update developer metadata.")
		}
		ms, err := t.ss.matchMeta(f)
		if err != nil {
			return nil, c.err("%s", err.message)
		}
		for _, m := range ms {
			if !slices.Contains(matched, m) {
				matched = append(matched, m)
			}
		}
	}
	out := []any{}
	for _, m := range matched {
		if has("metadataKey") {
			if d.MetadataKey == "" {
				return nil, c.err("Developer metadata must have a metadataKey.")
			}
			m.key = d.MetadataKey
		}
		if has("metadataValue") {
			m.value = d.MetadataValue
		}
		if has("visibility") {
			if d.Visibility != "DOCUMENT" && d.Visibility != "PROJECT" {
				return nil, c.err("Invalid visibility %q (want DOCUMENT or PROJECT).", d.Visibility)
			}
			m.visibility = d.Visibility
		}
		if has("location") {
			if err := t.ss.setLocation(c, m, d.Location); err != nil {
				return nil, err
			}
		}
		out = append(out, metaJSON(m))
	}
	return map[string]any{"updateDeveloperMetadata": map[string]any{"developerMetadata": out}}, nil
}

// searchMetadata: POST v4/spreadsheets/{id}/developerMetadata:search.
func (s *Server) searchMetadata(ss *spreadsheet, body []byte) (any, *apiError) {
	var req struct {
		DataFilters []json.RawMessage `json:"dataFilters"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	type match struct {
		DeveloperMetadata map[string]any    `json:"developerMetadata"`
		DataFilters       []json.RawMessage `json:"dataFilters"`
	}
	var out []*match
	byID := map[int64]*match{}
	for _, raw := range req.DataFilters {
		var f dataFilterJ
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, badRequest("Invalid JSON payload received. %v", err)
		}
		ms, err := ss.matchMeta(f)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			mm := byID[m.id]
			if mm == nil {
				mm = &match{DeveloperMetadata: metaJSON(m)}
				byID[m.id] = mm
				out = append(out, mm)
			}
			mm.DataFilters = append(mm.DataFilters, raw)
		}
	}
	if len(out) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"matchedDeveloperMetadata": out}, nil
}

// getMetadata: GET v4/spreadsheets/{id}/developerMetadata/{metadataId}.
func (s *Server) getMetadata(ss *spreadsheet, id string) (any, *apiError) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, badRequest("Invalid value at 'metadata_id' (TYPE_INT32), %q", id)
	}
	for _, m := range ss.meta {
		if m.id == n {
			return metaJSON(m), nil
		}
	}
	return nil, &apiError{code: 404, status: "NOT_FOUND", message: "No developer metadata with ID: " + id, reason: "notFound"}
}

// filterBoxes resolves a DataFilter to ranges: metadata on a row or
// column selects that row or column; on a sheet, the whole sheet.
func (ss *spreadsheet) filterBoxes(f dataFilterJ) ([]*sheet, []box, *apiError) {
	switch {
	case f.A1Range != "":
		sh, r, err := ss.resolve(f.A1Range)
		if err != nil {
			return nil, nil, err
		}
		bx, err := clip(sh, r, false)
		if err != nil {
			return nil, nil, err
		}
		return []*sheet{sh}, []box{bx}, nil
	case f.GridRange != nil:
		sh, bx, err := resolveGrid(ss, *f.GridRange, func(format string, a ...any) *apiError { return badRequest(format, a...) })
		if err != nil {
			return nil, nil, err
		}
		return []*sheet{sh}, []box{bx}, nil
	}
	ms, err := ss.matchMeta(f)
	if err != nil {
		return nil, nil, err
	}
	var shs []*sheet
	var bxs []box
	for _, m := range ms {
		sh := ss.sheetByID(m.sheetID)
		if sh == nil || m.locType == "SPREADSHEET" {
			continue
		}
		bx := box{0, 0, sh.rows, sh.cols}
		switch m.locType {
		case "ROW":
			bx.r0, bx.r1 = m.start, m.end
		case "COLUMN":
			bx.c0, bx.c1 = m.start, m.end
		}
		shs, bxs = append(shs, sh), append(bxs, bx)
	}
	return shs, bxs, nil
}

// valuesBatchGetByDataFilter: POST v4/spreadsheets/{id}/values:batchGetByDataFilter.
func (s *Server) valuesBatchGetByDataFilter(ss *spreadsheet, body []byte) (any, *apiError) {
	var req struct {
		DataFilters          []json.RawMessage `json:"dataFilters"`
		MajorDimension       string            `json:"majorDimension"`
		ValueRenderOption    string            `json:"valueRenderOption"`
		DateTimeRenderOption string            `json:"dateTimeRenderOption"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	o, err := readOpts(url.Values{"valueRenderOption": {req.ValueRenderOption}, "dateTimeRenderOption": {req.DateTimeRenderOption}}, "")
	if err != nil {
		return nil, err
	}
	major, err := majorOf(req.MajorDimension)
	if err != nil {
		return nil, err
	}
	b := []byte(`{"spreadsheetId":`)
	b = jsonenc.AppendString(b, ss.id)
	n := 0
	for _, raw := range req.DataFilters {
		var f dataFilterJ
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, badRequest("Invalid JSON payload received. %v", err)
		}
		shs, bxs, err := ss.filterBoxes(f)
		if err != nil {
			return nil, err
		}
		for i := range shs {
			if n == 0 {
				b = append(b, `,"valueRanges":[`...)
			} else {
				b = append(b, ',')
			}
			n++
			b = append(b, `{"valueRange":`...)
			b = appendValueRange(b, shs[i], bxs[i], major, o)
			b = append(b, `,"dataFilters":[`...)
			b = append(b, raw...)
			b = append(b, "]}"...)
		}
	}
	if n > 0 {
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// valuesBatchUpdateByDataFilter: POST v4/spreadsheets/{id}/values:batchUpdateByDataFilter.
// Values go to every matched range and must fit in it.
func (s *Server) valuesBatchUpdateByDataFilter(t *tx, body []byte) (any, *apiError) {
	var req struct {
		ValueInputOption string `json:"valueInputOption"`
		Data             []struct {
			DataFilter     json.RawMessage `json:"dataFilter"`
			MajorDimension string          `json:"majorDimension"`
			Values         [][]any         `json:"values"`
		} `json:"data"`
		IncludeValuesInResponse      bool   `json:"includeValuesInResponse"`
		ResponseValueRenderOption    string `json:"responseValueRenderOption"`
		ResponseDateTimeRenderOption string `json:"responseDateTimeRenderOption"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	user, err := inputOption(req.ValueInputOption)
	if err != nil {
		return nil, err
	}
	o, err := readOpts(url.Values{"responseValueRenderOption": {req.ResponseValueRenderOption},
		"responseDateTimeRenderOption": {req.ResponseDateTimeRenderOption}}, "response")
	if err != nil {
		return nil, err
	}
	out := map[string]any{"spreadsheetId": t.ss.id}
	var responses []any
	rows, cols, cells := 0, 0, 0
	touched := map[int64]bool{}
	for _, d := range req.Data {
		var f dataFilterJ
		if err := json.Unmarshal(d.DataFilter, &f); err != nil || d.DataFilter == nil {
			return nil, badRequest("Invalid data: each item needs a dataFilter.")
		}
		major, err := majorOf(d.MajorDimension)
		if err != nil {
			return nil, err
		}
		shs, bxs, err := t.ss.filterBoxes(f)
		if err != nil {
			return nil, err
		}
		for i := range shs {
			res, err := t.writeValues(shs[i], bxs[i], major, d.Values, user)
			if err != nil {
				return nil, err
			}
			res.DataFilter = d.DataFilter
			if req.IncludeValuesInResponse {
				res.UpdatedData = updatedData(t.ss.sheetByID(res.sheetID), res, major, o)
			}
			rows, cols, cells = rows+res.UpdatedRows, cols+res.UpdatedColumns, cells+res.UpdatedCells
			if res.UpdatedCells > 0 {
				touched[res.sheetID] = true
			}
			responses = append(responses, res)
		}
	}
	if len(responses) > 0 {
		out["responses"] = responses
		out["totalUpdatedRows"], out["totalUpdatedColumns"], out["totalUpdatedCells"] = rows, cols, cells
		out["totalUpdatedSheets"] = len(touched)
	}
	return out, nil
}

// valuesBatchClearByDataFilter: POST v4/spreadsheets/{id}/values:batchClearByDataFilter.
func (s *Server) valuesBatchClearByDataFilter(t *tx, body []byte) (any, *apiError) {
	var req struct {
		DataFilters []json.RawMessage `json:"dataFilters"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	var cleared []string
	for _, raw := range req.DataFilters {
		var f dataFilterJ
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, badRequest("Invalid JSON payload received. %v", err)
		}
		shs, bxs, err := t.ss.filterBoxes(f)
		if err != nil {
			return nil, err
		}
		for i := range shs {
			t.clearBox(shs[i], bxs[i])
			cleared = append(cleared, bxs[i].text(shs[i]))
		}
	}
	out := map[string]any{"spreadsheetId": t.ss.id}
	if len(cleared) > 0 {
		out["clearedRanges"] = cleared
	}
	return out, nil
}

// SetMetadataValue changes the value of developer metadata entry
// metadataID of spreadsheet id, as another program with access to the
// document would (tests age a lease or garble a state with it). It panics
// when there is no such entry.
func (s *Server) SetMetadataValue(id string, metadataID int64, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.mustBook(id).meta {
		if m.id == metadataID {
			m.value = value
			return
		}
	}
	panic(fmt.Sprintf("sheetstest: spreadsheet %s has no developer metadata %d", id, metadataID))
}
