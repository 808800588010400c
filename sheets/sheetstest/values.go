package sheetstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonenc"
)

// maxCellChars is Google's limit on characters in one cell.
const maxCellChars = 50000

// resolve parses an A1 range and finds its sheet: an unknown sheet or bad
// notation is 400 "Unable to parse range: …", as Google answers.
func (ss *spreadsheet) resolve(text string) (*sheet, a1Range, *apiError) {
	r, ok := parseA1(text)
	if !ok {
		return nil, r, badRequest("Unable to parse range: %s", text)
	}
	var sh *sheet
	if r.hasSheet {
		if sh = ss.sheetByTitle(r.sheet); sh == nil {
			return nil, r, badRequest("Unable to parse range: %s", text)
		}
	} else {
		sh = ss.firstVisible()
	}
	return sh, r, nil
}

// box is a resolved rectangle [r0,r1) x [c0,c1).
type box struct{ r0, c0, r1, c1 int }

func (b box) rows() int { return b.r1 - b.r0 }
func (b box) cols() int { return b.c1 - b.c0 }

// clip fits r to sh's grid. A range starting outside the grid is Google's
// 400 "exceeds grid limits"; a single cell is an anchor reaching to the
// grid's end when anchor is true (values writes).
func clip(sh *sheet, r a1Range, anchor bool) (box, *apiError) {
	if r.wholeGrid {
		return box{0, 0, sh.rows, sh.cols}, nil
	}
	if r.r0 >= sh.rows || r.c0 >= sh.cols {
		return box{}, errGrid(sh, r.requestedText(sh.title))
	}
	b := box{r.r0, r.c0, r.r1, r.c1}
	if r.single && anchor || b.r1 < 0 || b.r1 > sh.rows {
		b.r1 = sh.rows
	}
	if r.single && anchor || b.c1 < 0 || b.c1 > sh.cols {
		b.c1 = sh.cols
	}
	return b, nil
}

func errGrid(sh *sheet, rng string) *apiError {
	return badRequest("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d", rng, sh.rows, sh.cols)
}

func (b box) text(sh *sheet) string {
	if b.rows() <= 0 || b.cols() <= 0 {
		return quoteTitle(sh.title)
	}
	return rangeText(sh.title, b.r0, b.c0, b.r1, b.c1)
}

// render options of a read.
type renderOpts struct {
	mode    string // FORMATTED_VALUE, UNFORMATTED_VALUE, FORMULA
	dateStr bool   // dateTimeRenderOption FORMATTED_STRING
}

func readOpts(q url.Values, prefix string) (renderOpts, *apiError) {
	name := "valueRenderOption"
	dname := "dateTimeRenderOption"
	if prefix != "" {
		name, dname = prefix+"ValueRenderOption", prefix+"DateTimeRenderOption"
	}
	o := renderOpts{mode: q.Get(name)}
	switch o.mode {
	case "":
		o.mode = "FORMATTED_VALUE"
	case "FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA":
	default:
		return o, badRequest("Invalid value at '%s' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), %q", snake(name), o.mode)
	}
	switch d := q.Get(dname); d {
	case "", "SERIAL_NUMBER":
	case "FORMATTED_STRING":
		o.dateStr = true
	default:
		return o, badRequest("Invalid value at '%s' (type.googleapis.com/google.apps.sheets.v4.DateTimeRenderOption), %q", snake(dname), d)
	}
	return o, nil
}

func snake(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			b = append(b, '_', c+'a'-'A')
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func majorOf(v string) (string, *apiError) {
	switch v {
	case "", "ROWS", "DIMENSION_UNSPECIFIED":
		return "ROWS", nil
	case "COLUMNS":
		return "COLUMNS", nil
	}
	return "", badRequest("Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), %q", v)
}

// appendCell appends one cell's JSON value as the render options ask.
func appendCell(b []byte, c cell, o renderOpts) []byte {
	switch c.k {
	case kEmpty:
		return append(b, `""`...)
	case kString:
		return jsonenc.AppendString(b, c.s)
	case kFormula:
		if o.mode == "FORMULA" {
			return jsonenc.AppendString(b, c.s)
		}
		return appendCell(b, evalFormula(c), o)
	case kBool:
		if o.mode == "FORMATTED_VALUE" {
			if c.n != 0 {
				return append(b, `"TRUE"`...)
			}
			return append(b, `"FALSE"`...)
		}
		if c.n != 0 {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	}
	if o.mode == "FORMATTED_VALUE" || o.dateStr && c.f.isDate() {
		return jsonenc.AppendString(b, formatNumber(c.n, c.f))
	}
	return appendJSONNumber(b, c.n)
}

// cellValue is a cell's value as the Go client decodes it.
func cellValue(c cell, o renderOpts) any {
	switch c.k {
	case kEmpty:
		return ""
	case kString:
		return c.s
	case kFormula:
		if o.mode == "FORMULA" {
			return c.s
		}
		return cellValue(evalFormula(c), o)
	case kBool:
		if o.mode == "FORMATTED_VALUE" {
			if c.n != 0 {
				return "TRUE"
			}
			return "FALSE"
		}
		return c.n != 0
	}
	if o.mode == "FORMATTED_VALUE" || o.dateStr && c.f.isDate() {
		return formatNumber(c.n, c.f)
	}
	return c.n
}

func appendJSONNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, `"#NUM!"`...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendValueRange renders {"range","majorDimension","values"} for box bx
// of sh: trailing empty rows and columns are left out, and "values" is
// absent when nothing is left, as Google answers.
func appendValueRange(b []byte, sh *sheet, bx box, major string, o renderOpts) []byte {
	b = append(b, `{"range":`...)
	b = jsonenc.AppendString(b, bx.text(sh))
	b = append(b, `,"majorDimension":`...)
	b = jsonenc.AppendString(b, major)
	if major == "COLUMNS" {
		return appendColumns(b, sh, bx, o)
	}
	// last used column of row r within the box, + 1; 0 if none
	lastCol := func(r int) int {
		if r >= len(sh.data) || sh.data[r] == nil {
			return 0
		}
		c := sh.data[r].c
		for j := min(len(c), bx.c1) - 1; j >= bx.c0; j-- {
			if !c[j].empty() {
				return j + 1
			}
		}
		return 0
	}
	last := -1
	for r := min(bx.r1, len(sh.data)) - 1; r >= bx.r0; r-- {
		if lastCol(r) > 0 {
			last = r
			break
		}
	}
	if last < 0 {
		return append(b, '}')
	}
	b = append(b, `,"values":[`...)
	for r := bx.r0; r <= last; r++ {
		if r > bx.r0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		end := lastCol(r)
		for j := bx.c0; j < end; j++ {
			if j > bx.c0 {
				b = append(b, ',')
			}
			b = appendCell(b, sh.data[r].c[j], o)
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

func appendColumns(b []byte, sh *sheet, bx box, o renderOpts) []byte {
	rowsEnd := min(bx.r1, len(sh.data))
	colEnd := func(j int) int { // 1 + last used row in column j, 0 if none
		for r := rowsEnd - 1; r >= bx.r0; r-- {
			if !sh.get(r, j).empty() {
				return r + 1
			}
		}
		return 0
	}
	last := -1
	for j := bx.c1 - 1; j >= bx.c0; j-- {
		if colEnd(j) > 0 {
			last = j
			break
		}
	}
	if last < 0 {
		return append(b, '}')
	}
	b = append(b, `,"values":[`...)
	for j := bx.c0; j <= last; j++ {
		if j > bx.c0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		end := colEnd(j)
		for r := bx.r0; r < end; r++ {
			if r > bx.r0 {
				b = append(b, ',')
			}
			b = appendCell(b, sh.get(r, j), o)
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// valuesGet: GET v4/spreadsheets/{id}/values/{range}.
func (s *Server) valuesGet(ss *spreadsheet, rng string, q url.Values) (any, *apiError) {
	o, err := readOpts(q, "")
	if err != nil {
		return nil, err
	}
	major, err := majorOf(q.Get("majorDimension"))
	if err != nil {
		return nil, err
	}
	sh, r, err := ss.resolve(rng)
	if err != nil {
		return nil, err
	}
	bx, err := clip(sh, r, false)
	if err != nil {
		return nil, err
	}
	return appendValueRange(nil, sh, bx, major, o), nil
}

// valuesBatchGet: GET v4/spreadsheets/{id}/values:batchGet?ranges=…
func (s *Server) valuesBatchGet(ss *spreadsheet, q url.Values) (any, *apiError) {
	o, err := readOpts(q, "")
	if err != nil {
		return nil, err
	}
	major, err := majorOf(q.Get("majorDimension"))
	if err != nil {
		return nil, err
	}
	b := []byte(`{"spreadsheetId":`)
	b = jsonenc.AppendString(b, ss.id)
	if rs := q["ranges"]; len(rs) > 0 {
		b = append(b, `,"valueRanges":[`...)
		for i, rng := range rs {
			sh, r, err := ss.resolve(rng)
			if err != nil {
				return nil, err
			}
			bx, err := clip(sh, r, false)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValueRange(b, sh, bx, major, o)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// valueRange is a ValueRange in a request body.
type valueRange struct {
	Range          string  `json:"range"`
	MajorDimension string  `json:"majorDimension"`
	Values         [][]any `json:"values"`
}

func inputOption(v string) (bool, *apiError) {
	switch v {
	case "RAW":
		return false, nil
	case "USER_ENTERED":
		return true, nil
	case "", "INPUT_VALUE_OPTION_UNSPECIFIED":
		return false, badRequest("'valueInputOption' is required but not specified")
	}
	return false, badRequest("Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), %q", v)
}

// updateResult is an UpdateValuesResponse.
type updateResult struct {
	SpreadsheetID  string          `json:"spreadsheetId"`
	UpdatedRange   string          `json:"updatedRange,omitempty"`
	UpdatedRows    int             `json:"updatedRows,omitempty"`
	UpdatedColumns int             `json:"updatedColumns,omitempty"`
	UpdatedCells   int             `json:"updatedCells,omitempty"`
	UpdatedData    json.RawMessage `json:"updatedData,omitempty"`
	DataFilter     any             `json:"dataFilter,omitempty"`
	sheetID        int64
	bx             box
}

// writeValues writes a ValueRange into box bx of sh (starting at its top
// left). Data reaching past the box is Google's 400 "Requested writing
// within range [...], but tried writing to row [N]".
func (t *tx) writeValues(sh *sheet, bx box, major string, values [][]any, user bool) (updateResult, *apiError) {
	sh = t.w(sh)
	res := updateResult{SpreadsheetID: t.ss.id, sheetID: sh.id}
	nr, nc := len(values), 0
	for _, v := range values {
		nc = max(nc, len(v))
	}
	if major == "COLUMNS" {
		nr, nc = nc, nr
	}
	if nr > bx.rows() {
		return res, badRequest("Requested writing within range [%s], but tried writing to row [%d]", bx.text(sh), bx.r0+bx.rows()+1)
	}
	if nc > bx.cols() {
		return res, badRequest("Requested writing within range [%s], but tried writing to column [%s]", bx.text(sh), colName(bx.c0+bx.cols()))
	}
	prot := sh.protections() // read once: checked for every cell written
	colsTouched := make([]bool, nc)
	rowsTouched := make([]bool, nr)
	nRows, nCols := 0, 0
	for i, line := range values {
		var w *row // the target row when rows are major, sized once
		if major != "COLUMNS" && slices.ContainsFunc(line, func(v any) bool { return v != nil }) {
			w = sh.wrow(bx.r0+i, bx.c0+len(line))
		}
		for j, v := range line {
			if v == nil {
				continue // null leaves the cell as it is
			}
			r, c := bx.r0+i, bx.c0+j
			if major == "COLUMNS" {
				r, c = bx.r0+j, bx.c0+i
			}
			if err := t.guardBy(prot, box{r, c, r + 1, c + 1}); err != nil {
				return res, err
			}
			var old cell
			if w != nil {
				old = w.c[c]
			} else {
				old = sh.get(r, c)
			}
			cv, err := inputCell(v, user, old, i, j)
			if err != nil {
				return res, err
			}
			if cv.k == kFormula {
				t.ss.formulas = true
			}
			if w != nil {
				w.c[c] = cv
			} else {
				sh.set(r, c, cv)
			}
			res.UpdatedCells++
			if !rowsTouched[r-bx.r0] {
				rowsTouched[r-bx.r0] = true
				nRows++
			}
			if !colsTouched[c-bx.c0] {
				colsTouched[c-bx.c0] = true
				nCols++
			}
		}
	}
	t.cells += res.UpdatedCells
	res.UpdatedRows, res.UpdatedColumns = nRows, nCols
	if nr > 0 && nc > 0 {
		res.bx = box{bx.r0, bx.c0, bx.r0 + nr, bx.c0 + nc}
		res.UpdatedRange = res.bx.text(sh)
	}
	return res, nil
}

// inputCell converts one JSON input value; old keeps its format.
func inputCell(v any, user bool, old cell, i, j int) (cell, *apiError) {
	out := old.formatOnly()
	switch x := v.(type) {
	case string:
		if utf8.RuneCountInString(x) > maxCellChars {
			return out, badRequest("Your input contains more than the maximum of %d characters in a single cell.", maxCellChars)
		}
		if x == "" {
			return out, nil
		}
		if !user {
			out.k, out.s = kString, x
			return out, nil
		}
		p := parseUserEntered(x)
		if p.f != nil && out.f == nil {
			out.f = p.f
		}
		p.f, p.x = out.f, out.x
		return p, nil
	case float64:
		out.k, out.n = kNumber, x
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return out, badRequest("Invalid values[%d][%d]: number_value %s", i, j, x)
		}
		out.k, out.n = kNumber, f
	case bool:
		out.k = kBool
		if x {
			out.n = 1
		}
	case map[string]any:
		b, _ := json.Marshal(x)
		return out, badRequest("Invalid values[%d][%d]: struct_value %s", i, j, b)
	case []any:
		b, _ := json.Marshal(x)
		return out, badRequest("Invalid values[%d][%d]: list_value %s", i, j, b)
	default:
		return out, badRequest("Invalid values[%d][%d]: %v", i, j, x)
	}
	return out, nil
}

func decodeBody(body []byte, v any) *apiError {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return badRequest("Invalid JSON payload received. %s", jsonErrText(err))
	}
	return nil
}

func jsonErrText(err error) string {
	msg := err.Error()
	if f, ok := cutPrefix(msg, "json: unknown field "); ok {
		return fmt.Sprintf("Unknown name %s: Cannot find field.", f)
	}
	return msg
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// updatedData renders what was written, for includeValuesInResponse.
func updatedData(sh *sheet, res updateResult, major string, o renderOpts) json.RawMessage {
	bx := res.bx
	if bx.rows() == 0 {
		return nil
	}
	return appendValueRange(nil, sh, bx, major, o)
}

// valuesUpdate: PUT v4/spreadsheets/{id}/values/{range}.
func (s *Server) valuesUpdate(t *tx, rng string, q url.Values, body []byte) (any, *apiError) {
	user, err := inputOption(q.Get("valueInputOption"))
	if err != nil {
		return nil, err
	}
	var vr valueRange
	if err := decodeBody(body, &vr); err != nil {
		return nil, err
	}
	major, err := majorOf(vr.MajorDimension)
	if err != nil {
		return nil, err
	}
	sh, r, err := t.ss.resolve(rng)
	if err != nil {
		return nil, err
	}
	if vr.Range != "" && vr.Range != rng {
		sh2, r2, err := t.ss.resolve(vr.Range)
		if err != nil {
			return nil, err
		}
		if sh2 != sh || r2.r0 != r.r0 || r2.c0 != r.c0 || r2.r1 != r.r1 || r2.c1 != r.c1 || r2.wholeGrid != r.wholeGrid {
			return nil, badRequest("Requested range [%s] must match the range in the URL [%s].", vr.Range, rng)
		}
	}
	bx, err := clip(sh, r, true)
	if err != nil {
		return nil, err
	}
	res, err := t.writeValues(sh, bx, major, vr.Values, user)
	if err != nil {
		return nil, err
	}
	if q.Get("includeValuesInResponse") == "true" {
		o, err := readOpts(q, "response")
		if err != nil {
			return nil, err
		}
		res.UpdatedData = updatedData(t.ss.sheetByID(res.sheetID), res, major, o)
	}
	return res, nil
}

// valuesBatchUpdate: POST v4/spreadsheets/{id}/values:batchUpdate.
func (s *Server) valuesBatchUpdate(t *tx, body []byte) (any, *apiError) {
	var req struct {
		ValueInputOption             string       `json:"valueInputOption"`
		Data                         []valueRange `json:"data"`
		IncludeValuesInResponse      bool         `json:"includeValuesInResponse"`
		ResponseValueRenderOption    string       `json:"responseValueRenderOption"`
		ResponseDateTimeRenderOption string       `json:"responseDateTimeRenderOption"`
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
	type batchResult struct {
		SpreadsheetID       string         `json:"spreadsheetId"`
		TotalUpdatedRows    int            `json:"totalUpdatedRows,omitempty"`
		TotalUpdatedColumns int            `json:"totalUpdatedColumns,omitempty"`
		TotalUpdatedCells   int            `json:"totalUpdatedCells,omitempty"`
		TotalUpdatedSheets  int            `json:"totalUpdatedSheets,omitempty"`
		Responses           []updateResult `json:"responses,omitempty"`
	}
	out := batchResult{SpreadsheetID: t.ss.id}
	sheetsTouched := map[int64]bool{}
	for i, d := range req.Data {
		major, err := majorOf(d.MajorDimension)
		if err != nil {
			return nil, err
		}
		if d.Range == "" {
			return nil, badRequest("Invalid data[%d]: the range is required.", i)
		}
		sh, r, err := t.ss.resolve(d.Range)
		if err != nil {
			return nil, err
		}
		bx, err := clip(sh, r, true)
		if err != nil {
			return nil, err
		}
		res, err := t.writeValues(sh, bx, major, d.Values, user)
		if err != nil {
			return nil, err
		}
		if req.IncludeValuesInResponse {
			res.UpdatedData = updatedData(t.ss.sheetByID(res.sheetID), res, major, o)
		}
		out.TotalUpdatedRows += res.UpdatedRows
		out.TotalUpdatedColumns += res.UpdatedColumns
		out.TotalUpdatedCells += res.UpdatedCells
		if res.UpdatedCells > 0 {
			sheetsTouched[res.sheetID] = true
		}
		out.Responses = append(out.Responses, res)
	}
	out.TotalUpdatedSheets = len(sheetsTouched)
	return out, nil
}

// valuesAppend: POST v4/spreadsheets/{id}/values/{range}:append. The
// "table" is the first block of consecutive non-empty rows at or below the
// range's first row (within its columns); values go to the row after it,
// from the table's first column. OVERWRITE grows the grid only when the
// data runs past its end; INSERT_ROWS always inserts rows.
func (s *Server) valuesAppend(t *tx, rng string, q url.Values, body []byte) (any, *apiError) {
	user, err := inputOption(q.Get("valueInputOption"))
	if err != nil {
		return nil, err
	}
	insert := false
	switch v := q.Get("insertDataOption"); v {
	case "", "OVERWRITE":
	case "INSERT_ROWS":
		insert = true
	default:
		return nil, badRequest("Invalid value at 'insert_data_option' (type.googleapis.com/google.apps.sheets.v4.InsertDataOption), %q", v)
	}
	var vr valueRange
	if err := decodeBody(body, &vr); err != nil {
		return nil, err
	}
	major, err := majorOf(vr.MajorDimension)
	if err != nil {
		return nil, err
	}
	sh, r, err := t.ss.resolve(rng)
	if err != nil {
		return nil, err
	}
	bx, err := clip(sh, r, true)
	if err != nil {
		return nil, err
	}
	hasData := func(row int) (first, last int, ok bool) {
		if row >= len(sh.data) || sh.data[row] == nil {
			return 0, 0, false
		}
		c := sh.data[row].c
		first = -1
		for j := bx.c0; j < min(bx.c1, len(c)); j++ {
			if !c[j].empty() {
				if first < 0 {
					first = j
				}
				last = j
			}
		}
		return first, last, first >= 0
	}
	top := -1
	for row := bx.r0; row < min(bx.r1, len(sh.data)); row++ {
		if _, _, ok := hasData(row); ok {
			top = row
			break
		}
	}
	out := struct {
		SpreadsheetID string       `json:"spreadsheetId"`
		TableRange    string       `json:"tableRange,omitempty"`
		Updates       updateResult `json:"updates"`
	}{SpreadsheetID: t.ss.id}
	at, col := bx.r0, bx.c0
	if top >= 0 {
		fc, lc := sh.cols, 0
		end := top
		for ; end < bx.r1; end++ {
			f, l, ok := hasData(end)
			if !ok {
				break
			}
			fc, lc = min(fc, f), max(lc, l)
		}
		out.TableRange = rangeText(sh.title, top, fc, end, lc+1)
		at, col = end, fc
	}
	nr, nc := len(vr.Values), 0
	for _, v := range vr.Values {
		nc = max(nc, len(v))
	}
	if major == "COLUMNS" {
		nr, nc = nc, nr
	}
	if nr == 0 {
		out.Updates.SpreadsheetID = t.ss.id
		return out, nil
	}
	sh = t.w(sh)
	switch {
	case insert:
		if err := t.growCheck(nr*sh.cols, 0, 0); err != nil {
			return nil, err
		}
		sh.insertRows(at, nr, -1)
		t.ss.shiftMeta(sh.id, "ROW", at, nr)
		t.s.stats.RowsInserted += nr
	case at+nr > sh.rows:
		extra := at + nr - sh.rows
		if err := t.growCheck(extra*sh.cols, 0, 0); err != nil {
			return nil, err
		}
		sh.rows += extra
		t.s.stats.RowsInserted += extra
	}
	res, err := t.writeValues(sh, box{at, col, sh.rows, sh.cols}, major, vr.Values, user)
	if err != nil {
		return nil, err
	}
	if q.Get("includeValuesInResponse") == "true" {
		o, err := readOpts(q, "response")
		if err != nil {
			return nil, err
		}
		res.UpdatedData = updatedData(t.ss.sheetByID(res.sheetID), res, major, o)
	}
	out.Updates = res
	return out, nil
}

// growCheck refuses growth past 10,000,000 cells in the workbook or
// 18,278 columns in a sheet.
func (t *tx) growCheck(addCells, cols, addCols int) *apiError {
	if cols+addCols > maxColumns {
		return badRequest("This action would increase the number of columns in the sheet above the limit of %d columns.", maxColumns)
	}
	if t.ss.totalCells()+addCells > 10_000_000 {
		return badRequest("This action would increase the number of cells in the workbook above the limit of 10000000 cells.")
	}
	return nil
}

// clearBox empties the values in bx, keeping formats (as Google's clear does).
func (t *tx) clearBox(sh *sheet, bx box) {
	sh = t.w(sh)
	for r := bx.r0; r < min(bx.r1, len(sh.data)); r++ {
		rw := sh.data[r]
		if rw == nil || len(rw.c) <= bx.c0 {
			continue
		}
		w := sh.wrow(r, 0)
		for j := bx.c0; j < min(bx.c1, len(w.c)); j++ {
			if !w.c[j].empty() {
				t.cells++
			}
			w.c[j] = w.c[j].formatOnly()
		}
	}
}

// valuesClear: POST v4/spreadsheets/{id}/values/{range}:clear.
func (s *Server) valuesClear(t *tx, rng string) (any, *apiError) {
	sh, r, err := t.ss.resolve(rng)
	if err != nil {
		return nil, err
	}
	bx, err := clip(sh, r, false)
	if err != nil {
		return nil, err
	}
	if err := t.guard(sh, bx); err != nil {
		return nil, err
	}
	t.clearBox(sh, bx)
	return map[string]string{"spreadsheetId": t.ss.id, "clearedRange": bx.text(sh)}, nil
}

// valuesBatchClear: POST v4/spreadsheets/{id}/values:batchClear.
func (s *Server) valuesBatchClear(t *tx, body []byte) (any, *apiError) {
	var req struct {
		Ranges []string `json:"ranges"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	out := struct {
		SpreadsheetID string   `json:"spreadsheetId"`
		ClearedRanges []string `json:"clearedRanges,omitempty"`
	}{SpreadsheetID: t.ss.id}
	for _, rng := range req.Ranges {
		sh, r, err := t.ss.resolve(rng)
		if err != nil {
			return nil, err
		}
		bx, err := clip(sh, r, false)
		if err != nil {
			return nil, err
		}
		if err := t.guard(sh, bx); err != nil {
			return nil, err
		}
		t.clearBox(sh, bx)
		out.ClearedRanges = append(out.ClearedRanges, bx.text(sh))
	}
	return out, nil
}
