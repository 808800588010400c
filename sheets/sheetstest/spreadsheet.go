package sheetstest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// newID makes a 44-character id shaped like Google's; callers hold s.mu.
func (s *Server) newID() string {
	for {
		b := make([]byte, 44)
		b[0] = '1'
		for i := 1; i < len(b); i++ {
			b[i] = idChars[s.rng.IntN(len(idChars))]
		}
		if id := string(b); s.books[id] == nil {
			return id
		}
	}
}

func (s *Server) newSpreadsheet(title, timeZone string) *spreadsheet {
	if timeZone == "" {
		timeZone = "Etc/GMT"
	}
	s.gen++
	ss := &spreadsheet{id: s.newID(), title: title, timeZone: timeZone, locale: "en_US", shared: map[string]bool{},
		sheets: []*sheet{{id: 0, title: "Sheet1", rows: 1000, cols: 26, gen: s.gen}}}
	s.books[ss.id] = ss
	return ss
}

// CreateSpreadsheet makes a spreadsheet with one 1000x26 sheet "Sheet1"
// (sheetId 0), shared with nobody, and returns its id. timeZone "" is GMT.
func (s *Server) CreateSpreadsheet(title, timeZone string) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newSpreadsheet(title, timeZone).id
}

// Share gives email edit access to spreadsheet id (the service account's
// client_email, as a user would in the Share dialog). It panics for an
// unknown id.
func (s *Server) Share(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.mustBook(id)
	ss.shared[strings.ToLower(email)] = true
	delete(ss.viewOnly, strings.ToLower(email))
}

// ShareViewOnly gives email view access to spreadsheet id (Viewer in the
// Share dialog): it may read, and every write is refused with 403
// PERMISSION_DENIED, as Google refuses a viewer's edits.
func (s *Server) ShareViewOnly(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.mustBook(id)
	ss.shared[strings.ToLower(email)] = true
	if ss.viewOnly == nil {
		ss.viewOnly = map[string]bool{}
	}
	ss.viewOnly[strings.ToLower(email)] = true
}

// Unshare removes email's access.
func (s *Server) Unshare(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mustBook(id).shared, strings.ToLower(email))
	delete(s.mustBook(id).viewOnly, strings.ToLower(email))
}

func (s *Server) mustBook(id string) *spreadsheet {
	ss := s.books[id]
	if ss == nil {
		panic(fmt.Sprintf("sheetstest: no spreadsheet %q", id))
	}
	return ss
}

// createFromAPI: POST v4/spreadsheets; the caller gets access.
func (s *Server) createFromAPI(c caller, body []byte) (any, *apiError) {
	var req struct {
		Properties struct {
			Title    string `json:"title"`
			Locale   string `json:"locale"`
			TimeZone string `json:"timeZone"`
		} `json:"properties"`
		Sheets []struct {
			Properties *sheetPropsJ `json:"properties"`
		} `json:"sheets"`
	}
	if len(body) > 0 {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(body, &probe); err != nil {
			return nil, badRequest("Invalid JSON payload received. %v", err)
		}
		json.Unmarshal(body, &req)
	}
	title := req.Properties.Title
	if title == "" {
		title = "Untitled spreadsheet"
	}
	ss := s.newSpreadsheet(title, req.Properties.TimeZone)
	if req.Properties.Locale != "" {
		ss.locale = req.Properties.Locale
	}
	if len(req.Sheets) > 0 {
		t := s.begin(ss)
		t.ss.sheets = nil
		for i, sp := range req.Sheets {
			if _, err := s.addSheet(t, reqCtx{i, "sheets"}, sp.Properties); err != nil {
				delete(s.books, ss.id)
				return nil, err
			}
		}
		t.commit()
		ss = t.ss
	}
	ss.shared[c.email] = true
	return s.getSpreadsheet(ss, url.Values{}, nil)
}

// getSpreadsheet: GET v4/spreadsheets/{id}. Grid data with
// includeGridData=true and no fields mask, or whenever a fields mask asks
// for sheets.data (includeGridData is then ignored), as Google documents.
func (s *Server) getSpreadsheet(ss *spreadsheet, q url.Values, grid *bool) (any, *apiError) {
	include := q.Get("includeGridData") == "true" && q.Get("fields") == ""
	if f := q.Get("fields"); f != "" {
		include = wantsGridData(f)
	}
	if grid != nil {
		include = *grid
	}
	type dataRange struct {
		sh *sheet
		bx box
	}
	var ranges []dataRange
	if include {
		for _, rng := range q["ranges"] {
			sh, r, err := ss.resolve(rng)
			if err != nil {
				return nil, err
			}
			bx, err := clip(sh, r, false)
			if err != nil {
				return nil, err
			}
			ranges = append(ranges, dataRange{sh, bx})
		}
	}
	var spreadsheetMeta []any
	sheetMeta := map[int64][]any{}
	for _, m := range ss.meta {
		switch m.locType {
		case "SPREADSHEET":
			spreadsheetMeta = append(spreadsheetMeta, metaJSON(m))
		case "SHEET":
			sheetMeta[m.sheetID] = append(sheetMeta[m.sheetID], metaJSON(m))
		}
	}
	var shs []any
	for i, sh := range ss.sheets {
		e := map[string]any{"properties": sheetProps(sh, i)}
		if len(sheetMeta[sh.id]) > 0 {
			e["developerMetadata"] = sheetMeta[sh.id]
		}
		if len(sh.protected) > 0 {
			e["protectedRanges"] = sh.protected
		}
		if sh.filter != nil {
			e["basicFilter"] = sh.filter
		}
		if include {
			var data []any
			for _, dr := range ranges {
				if dr.sh.id == sh.id {
					data = append(data, gridData(sh, dr.bx))
				}
			}
			if len(q["ranges"]) == 0 {
				data = append(data, gridData(sh, box{0, 0, sh.rows, sh.cols}))
			}
			if len(data) > 0 {
				e["data"] = data
			}
		}
		shs = append(shs, e)
	}
	out := map[string]any{
		"spreadsheetId": ss.id,
		"properties": map[string]any{"title": ss.title, "locale": ss.locale, "timeZone": ss.timeZone,
			"autoRecalc": "ON_CHANGE"},
		"sheets":         shs,
		"spreadsheetUrl": "https://docs.google.com/spreadsheets/d/" + ss.id + "/edit",
	}
	if len(spreadsheetMeta) > 0 {
		out["developerMetadata"] = spreadsheetMeta
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, &apiError{code: 500, status: "INTERNAL", message: err.Error()}
	}
	return b, nil
}

// gridData renders GridData for bx, trimmed to the cells that hold something.
func gridData(sh *sheet, bx box) map[string]any {
	d := map[string]any{}
	if bx.r0 > 0 {
		d["startRow"] = bx.r0
	}
	if bx.c0 > 0 {
		d["startColumn"] = bx.c0
	}
	last := -1
	for r := min(bx.r1, len(sh.data)) - 1; r >= bx.r0; r-- {
		if sh.data[r] != nil && len(sh.data[r].c) > bx.c0 {
			last = r
			break
		}
	}
	var rows []any
	for r := bx.r0; r <= last; r++ {
		var vals []any
		if rw := sh.data[r]; rw != nil {
			for j := bx.c0; j < min(bx.c1, len(rw.c)); j++ {
				vals = append(vals, cellJSON(rw.c[j]))
			}
		}
		row := map[string]any{}
		if len(vals) > 0 {
			row["values"] = vals
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		d["rowData"] = rows
	}
	var cm []any
	for j := bx.c0; j < bx.c1; j++ {
		px := 100 // Google's default column width
		if j < len(sh.widths) && sh.widths[j] > 0 {
			px = sh.widths[j]
		}
		cm = append(cm, map[string]any{"pixelSize": px})
	}
	if len(cm) > 0 {
		d["columnMetadata"] = cm
	}
	return d
}

func extValue(c cell) map[string]any {
	switch c.k {
	case kString:
		return map[string]any{"stringValue": c.s}
	case kNumber:
		return map[string]any{"numberValue": c.n}
	case kBool:
		return map[string]any{"boolValue": c.n != 0}
	case kFormula:
		return map[string]any{"formulaValue": c.s}
	}
	return nil
}

func cellJSON(c cell) map[string]any {
	out := map[string]any{}
	if c.k != kEmpty {
		out["userEnteredValue"] = extValue(c)
		eff := c
		if c.k == kFormula {
			eff = evalFormula(c)
		}
		out["effectiveValue"] = extValue(eff)
		out["formattedValue"] = cellValue(c, renderOpts{mode: "FORMATTED_VALUE"})
	}
	if c.f != nil {
		nf := map[string]any{"type": c.f.typ}
		if c.f.pattern != "" {
			nf["pattern"] = c.f.pattern
		}
		out["userEnteredFormat"] = map[string]any{"numberFormat": nf}
		out["effectiveFormat"] = map[string]any{"numberFormat": nf}
	}
	extJSON(c, out)
	return out
}

// getByDataFilter: POST v4/spreadsheets/{id}:getByDataFilter.
func (s *Server) getByDataFilter(ss *spreadsheet, q url.Values, body []byte) (any, *apiError) {
	var req struct {
		DataFilters       []dataFilterJ `json:"dataFilters"`
		IncludeGridData   bool          `json:"includeGridData"`
		ExcludeTablesInBa bool          `json:"excludeTablesInBandedRanges"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	q2 := url.Values{"fields": q["fields"]}
	for _, f := range req.DataFilters {
		shs, bxs, err := ss.filterBoxes(f)
		if err != nil {
			return nil, err
		}
		for i := range shs {
			q2["ranges"] = append(q2["ranges"], bxs[i].text(shs[i]))
		}
	}
	grid := req.IncludeGridData && q.Get("fields") == "" || q.Get("fields") != "" && wantsGridData(q.Get("fields"))
	return s.getSpreadsheet(ss, q2, &grid)
}
